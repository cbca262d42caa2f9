package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/browsertest"
)

func testdataServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	t.Cleanup(srv.Close)
	return srv
}

// TestLoopbackCall proves the harness works on this machine without a
// Parley server: fake camera and microphone, two PeerConnections in one
// page on loopback, a remote video that plays, and getStats read from Go.
func TestLoopbackCall(t *testing.T) {
	srv := testdataServer(t)
	b := browsertest.Start(t)
	p := b.NewPage("loopback")
	p.Navigate(srv.URL + "/loopback.html")

	p.WaitJS(`window.selftest.state === "negotiated" || window.selftest.state === "failed"`, 20*time.Second)
	var state struct{ State, Error string }
	p.Eval(`window.selftest`, &state)
	if state.State != "negotiated" {
		t.Fatalf("page failed to negotiate: %s", state.Error)
	}
	p.WaitJS(`document.getElementById("remote").videoWidth > 0`, 20*time.Second)

	var first uint64
	browsertest.WaitFor(t, 20*time.Second, "frames to be decoded", func() error {
		first = p.Stats().FramesDecoded()
		if first == 0 {
			return fmt.Errorf("framesDecoded 0")
		}
		return nil
	})
	browsertest.WaitFor(t, 20*time.Second, "framesDecoded to rise", func() error {
		if n := p.Stats().FramesDecoded(); n < first+20 {
			return fmt.Errorf("framesDecoded %d, want >= %d", n, first+20)
		}
		return nil
	})
	browsertest.WaitFor(t, 10*time.Second, "audio packets", func() error {
		if n := p.Stats().AudioPacketsReceived(); n == 0 {
			return fmt.Errorf("audio packetsReceived 0")
		}
		return nil
	})

	s := p.Stats()
	if got := len(s.PCs); got != 2 {
		t.Fatalf("stats of %d connections, want 2 (sender, receiver): %+v", got, s)
	}
	in := s.PCs["receiver"].InboundVideo
	if len(in) != 1 || in[0].FrameWidth == 0 || in[0].FrameHeight == 0 || in[0].TrackIdentifier == "" ||
		in[0].Mid == "" || in[0].PacketsReceived == 0 || in[0].BytesReceived == 0 {
		t.Errorf("receiver inbound video = %+v, want one stream with size, track id, mid and packets", in)
	}
	out := s.PCs["sender"].OutboundVideo
	if len(out) != 1 || out[0].BytesSent == 0 || out[0].FrameWidth == 0 {
		t.Errorf("sender outbound video = %+v, want one stream with bytes and size", out)
	}
	var videoWidth int
	p.Eval(`document.getElementById("remote").videoWidth`, &videoWidth)
	if videoWidth != int(in[0].FrameWidth) {
		t.Errorf("remote videoWidth %d, stats frameWidth %d", videoWidth, in[0].FrameWidth)
	}
	if bad := s.CheckedNonLoopback(); len(bad) > 0 {
		t.Errorf("ICE checks left loopback:\n%s", strings.Join(bad, "\n"))
	}
}

func TestDenyPermissions(t *testing.T) {
	srv := testdataServer(t)
	b := browsertest.Start(t, browsertest.WithPerPagePermissions())
	p := b.NewPage("no-camera", browsertest.DenyPermissions("camera"))
	p.Navigate(srv.URL + "/blank.html")

	gum := func(constraints string) string {
		var res string
		p.Eval(`navigator.mediaDevices.getUserMedia(`+constraints+`).then(
			(s) => { s.getTracks().forEach((t) => t.stop()); return "ok"; },
			(e) => e.name)`, &res)
		return res
	}
	if got := gum(`{video: true}`); got != "NotAllowedError" {
		t.Errorf("getUserMedia(video) with camera denied = %q, want NotAllowedError", got)
	}
	if got := gum(`{audio: true}`); got != "ok" {
		t.Errorf("getUserMedia(audio) with only the camera denied = %q, want ok", got)
	}

	other := b.NewPage("with-camera")
	other.Navigate(srv.URL + "/blank.html")
	var res string
	other.Eval(`navigator.mediaDevices.getUserMedia({video: true}).then(() => "ok", (e) => e.name)`, &res)
	if res != "ok" {
		t.Errorf("getUserMedia(video) on a page without denials = %q, want ok", res)
	}
}

func TestPagesAreIsolated(t *testing.T) {
	srv := testdataServer(t)
	b := browsertest.Start(t)
	alice, bob := b.NewPage("alice"), b.NewPage("bob")
	alice.Navigate(srv.URL + "/blank.html")
	bob.Navigate(srv.URL + "/blank.html")

	alice.Eval(`localStorage.setItem("who", "alice")`, nil)
	var got *string
	bob.Eval(`localStorage.getItem("who")`, &got)
	if got != nil {
		t.Errorf("bob sees alice's localStorage: %q", *got)
	}
	if text := bob.Text("#hello"); text != "hello" {
		t.Errorf("Text(#hello) = %q, want hello", text)
	}
	if n := bob.Count("p"); n != 1 {
		t.Errorf("Count(p) = %d, want 1", n)
	}
	if names := []string{alice.Name(), bob.Name(), b.NewPage("alice").Name()}; strings.Join(names, ",") != "alice,bob,alice-2" {
		t.Errorf("page names = %v, want unique names", names)
	}
}
