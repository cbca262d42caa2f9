package web_test

import (
	"strings"
	"testing"

	"github.com/parley-sfu/parley/internal/browsertest"
)

// TestPrejoin: the pre-join screen previews the camera and the microphone
// level and lists the devices; a person whose camera is blocked is told so,
// still joins (with the microphone only) and shows as an avatar to the
// others. The browser grants permissions per page, so one page can lack
// the camera.
func TestPrejoin(t *testing.T) {
	base := startMeetingServer(t)
	b := browsertest.Start(t, browsertest.WithPerPagePermissions())
	const room = "prejoin"

	erin := &person{name: "Erin", identity: "erin", page: newPage(t, b, "erin")}
	erin.page.Navigate(base + "/" + room + "?name=Erin&identity=erin")
	erin.page.WaitJS(`window.parleyDebug.state === "prejoin"`, joinWait)
	erin.page.WaitJS(visible(`[data-testid="preview-video"]`)+` && `+jsQuery(`[data-testid="preview-video"]`)+`.videoWidth > 0`, joinWait)
	erin.page.WaitJS(jsQuery(`[data-testid="mic-meter"]`)+`.dataset.level > 0`, joinWait)
	if got := erin.page.Count(`[data-testid="camera-select"] option`); got < 1 {
		t.Errorf("camera choices: %d", got)
	}
	if got := erin.page.Count(`[data-testid="mic-select"] option`); got < 1 {
		t.Errorf("microphone choices: %d", got)
	}
	var name string
	erin.page.Eval(jsQuery(`[data-testid="name-input"]`)+`.value`, &name)
	if name != "Erin" {
		t.Errorf("name field %q, want Erin from ?name=", name)
	}
	shoot(t, erin.page, "prejoin")

	dan := &person{name: "Dan", identity: "dan", page: newPage(t, b, "dan", browsertest.DenyPermissions("camera"))}
	dan.page.Navigate(base + "/" + room + "?name=Dan&identity=dan")
	dan.page.WaitJS(visible(`[data-testid="device-message"]`), joinWait)
	if msg := dan.page.Text(`[data-testid="device-message"]`); !strings.Contains(msg, "camera is blocked") {
		t.Errorf("device message %q, want it to say the camera is blocked", msg)
	}
	dan.page.WaitJS(visible(`[data-testid="preview-off"]`), joinWait)
	if got := dan.page.Text(`[data-testid="preview-avatar"]`); got != "DA" {
		t.Errorf("preview avatar %q", got)
	}

	for _, p := range []*person{dan, erin} {
		p.page.Click(`[data-testid="join-button"]`)
		p.waitJoined(t)
	}
	var kinds []string
	dan.page.Eval(`Object.values(window.parleyDebug.localTracks).map((t) => t.kind)`, &kinds)
	if strings.Join(kinds, ",") != "TRACK_KIND_AUDIO" {
		t.Errorf("dan publishes %v, want only audio", kinds)
	}
	erin.page.WaitJS(visible(tile("dan", "avatar"))+` && !`+visible(tile("dan", "video")), joinWait)
	erin.page.WaitJS(`!`+visible(tile("dan", "mic-muted")), joinWait)
	dan.waitVideoPlaying(t, erin)
	erin.waitAudioFrom(t, 1)
	noPageErrors(t, dan, erin)
}
