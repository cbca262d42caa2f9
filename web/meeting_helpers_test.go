package web_test

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-sfu/parley/internal/browsertest"
	"github.com/parley-sfu/parley/internal/testutil"
)

// screenshotDir is where the README screenshots go when asked for:
//
//	go test ./web -run 'TestMeeting|TestPrejoin' -args -screenshots=$PWD/docs
var screenshotDir = flag.String("screenshots", "", "save the README screenshots (PNG, 1280×720) into this directory")

const (
	joinWait  = 30 * time.Second
	mediaWait = 30 * time.Second
)

// person is one browser participant of a meeting test.
type person struct {
	name, identity string
	page           *browsertest.Page
}

// startMeetingServer starts a real Parley node for browser tests.
func startMeetingServer(t *testing.T) string {
	t.Helper()
	srv := testutil.StartServer(t)
	return "http://" + srv.HTTPAddr()
}

// meetingURL is the kiosk URL of a room with a fixed guest identity.
func meetingURL(base, room, name string, extra ...string) string {
	q := url.Values{"name": {name}, "identity": {strings.ToLower(name)}, "autojoin": {"1"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return base + "/" + room + "?" + q.Encode()
}

// join opens a page that joins room at once as name, with extra query
// parameters in pairs (e.g. "mic", "off").
func join(t *testing.T, b *browsertest.Browser, base, room, name string, extra ...string) *person {
	t.Helper()
	p := &person{name: name, identity: strings.ToLower(name), page: newPage(t, b, strings.ToLower(name))}
	p.page.Navigate(meetingURL(base, room, name, extra...))
	p.waitJoined(t)
	return p
}

// newPage opens a page with a 1280×720 viewport (the README screenshots'
// size; the window's own viewport is smaller by the browser's frame).
func newPage(t *testing.T, b *browsertest.Browser, name string, opts ...browsertest.PageOption) *browsertest.Page {
	t.Helper()
	p := b.NewPage(name, opts...)
	if err := chromedp.Do(p.Context(), chromedp.EmulateViewport(browsertest.WindowWidth, browsertest.WindowHeight)); err != nil {
		t.Fatalf("page %s: setting the viewport: %v", name, err)
	}
	return p
}

func (p *person) waitJoined(t *testing.T) {
	t.Helper()
	p.page.WaitJS(`["joined", "failed", "left"].includes(window.parleyDebug.state)`, joinWait)
	var state, msg string
	p.page.Eval(`window.parleyDebug.state`, &state)
	if state != "joined" {
		p.page.Eval(`document.querySelector('[data-testid="error"]').textContent`, &msg)
		t.Fatalf("%s: state %q after joining: %s", p.name, state, msg)
	}
}

// tile is the selector of the tile of identity ("local" for one's own),
// with an optional part inside it.
func tile(identity string, part ...string) string {
	sel := fmt.Sprintf(`[data-testid="tile-%s"]`, identity)
	for _, s := range part {
		sel += ` [data-testid="` + s + `"]`
	}
	return sel
}

// jsQuery is document.querySelector of sel, as a JavaScript expression.
func jsQuery(sel string) string {
	return fmt.Sprintf("document.querySelector(%q)", sel)
}

// visible is a JavaScript expression: the element exists and is shown.
func visible(sel string) string {
	return fmt.Sprintf(`(() => { const e = %s; return !!e && !e.closest("[hidden]") && e.getClientRects().length > 0; })()`, jsQuery(sel))
}

// videoTrackID returns the MediaStreamTrack id a tile's video plays, "" if
// none.
func (p *person) videoTrackID(identity string) string {
	var id string
	p.page.Eval(fmt.Sprintf(`(() => { const v = %s; const s = v && v.srcObject; return s && s.getVideoTracks()[0] ? s.getVideoTracks()[0].id : ""; })()`,
		jsQuery(tile(identity, "video"))), &id)
	return id
}

// inbound returns the inbound video stats of the track a tile plays.
func (p *person) inbound(identity string) (browsertest.InboundVideo, error) {
	id := p.videoTrackID(identity)
	if id == "" {
		return browsertest.InboundVideo{}, fmt.Errorf("tile %s plays no video", identity)
	}
	s, err := p.page.StatsErr()
	if err != nil {
		return browsertest.InboundVideo{}, err
	}
	for _, v := range s.InboundVideo() {
		if v.TrackIdentifier == id {
			return v, nil
		}
	}
	return browsertest.InboundVideo{}, fmt.Errorf("no inbound-rtp for track %s of tile %s", id, identity)
}

// shoot saves a README screenshot when -screenshots is set.
func shoot(t *testing.T, p *browsertest.Page, name string) {
	t.Helper()
	if *screenshotDir == "" {
		return
	}
	time.Sleep(1500 * time.Millisecond) // let animations and video settle
	png, err := p.Screenshot()
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(*screenshotDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s", path)
}

// noPageErrors fails the test on uncaught exceptions in a page's console.
func noPageErrors(t *testing.T, people ...*person) {
	t.Helper()
	for _, p := range people {
		for _, e := range p.page.Console() {
			if e.Type == "exception" {
				t.Errorf("%s: console: %s", p.name, e)
			}
		}
	}
}

// pollErr calls cond every 200 ms until it returns nil or timeout passes,
// and returns its last error.
func pollErr(timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
