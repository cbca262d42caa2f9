// Package mediae2e holds browser end-to-end tests of media quality
// (simulcast, layer switches, dynacast) with a test page of their own that
// speaks the signaling protocol directly, so they do not depend on the web
// app.
package mediae2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/browsertest"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/server"
	"github.com/parley-sfu/parley/sfu"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// videoStats is what the page's simtest.videoStats returns per inbound
// video stream.
type videoStats struct {
	FrameWidth           int     `json:"frameWidth"`
	FrameHeight          int     `json:"frameHeight"`
	FramesDecoded        int     `json:"framesDecoded"`
	FreezeCount          int     `json:"freezeCount"`
	TotalFreezesDuration float64 `json:"totalFreezesDuration"`
}

func inbound(t *testing.T, p *browsertest.Page) videoStats {
	t.Helper()
	var vs []videoStats
	p.Eval(`window.simtest.videoStats()`, &vs)
	if len(vs) != 1 {
		return videoStats{}
	}
	return vs[0]
}

// TestBrowserSimulcast: a Chromium publisher sends its fake camera at
// 1280x720 in three simulcast layers; a Chromium subscriber asking for a
// 320x180 tile gets the 320-wide layer, then, asking for 1280x720, the
// 1280-wide one, with no decoding stall of a second or more across the
// switch. With the top layer wanted the publisher sends all three layers
// (its bandwidth estimate ramps up on the server's transport-wide
// feedback), and it is asked for a bounded number of keyframes.
func TestBrowserSimulcast(t *testing.T) {
	srv := testutil.StartServer(t, func(c *server.Config) {
		c.Signaling.AllowedOrigins = []string{"127.0.0.1:*"}
	})
	pages := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	defer pages.Close()
	b := browsertest.Start(t)
	open := func(role, identity string) *browsertest.Page {
		p := b.NewPage(identity)
		q := url.Values{
			"role":  {role},
			"ws":    {"ws://" + srv.HTTPAddr() + "/signal"},
			"token": {testutil.Token(t, "simulcast", identity, testutil.AllGrants())},
		}
		p.Navigate(pages.URL + "/simulcast.html?" + q.Encode())
		return p
	}

	pub := open("pub", "alice")
	pub.WaitJS(`window.simtest.state === "publishing"`, 30*time.Second)
	var sid string
	pub.Eval(`window.simtest.pubTrackSid`, &sid)

	sub := open("sub", "bob")
	sub.WaitJS(`window.simtest.state === "subscribing"`, 30*time.Second)
	sub.Eval(fmt.Sprintf(`window.simtest.subscribe(%q, 320, 180)`, sid), nil)
	browsertest.WaitFor(t, 40*time.Second, "320-wide frames", func() error {
		if v := inbound(t, sub); v.FrameWidth < 280 || v.FrameWidth > 360 || v.FramesDecoded < 30 {
			return fmt.Errorf("inbound video %+v", v)
		}
		return nil
	})
	plisBefore := pub.Stats().PLIsReceived()
	before := inbound(t, sub)
	sub.Eval(`window.simtest.resetStall()`, nil)

	sub.Eval(fmt.Sprintf(`window.simtest.subscribe(%q, 1280, 720)`, sid), nil)
	browsertest.WaitFor(t, 60*time.Second, "1280-wide frames", func() error {
		if v := inbound(t, sub); v.FrameWidth < 1200 || v.FramesDecoded < before.FramesDecoded+30 {
			return fmt.Errorf("inbound video %+v", v)
		}
		return nil
	})
	after := inbound(t, sub)
	var stall float64
	sub.Eval(`window.simtest.maxStall`, &stall)
	t.Logf("switch: %d -> %d frames decoded, longest stall %.0f ms, freezes %d -> %d (%.2f s -> %.2f s)",
		before.FramesDecoded, after.FramesDecoded, stall, before.FreezeCount, after.FreezeCount,
		before.TotalFreezesDuration, after.TotalFreezesDuration)
	if stall >= 1000 {
		var states, dyn any
		sub.Eval(`window.simtest.streamStates`, &states)
		pub.Eval(`window.simtest.dynacast`, &dyn)
		t.Errorf("decoding stalled %.0f ms across the switch; stream states %v; dynacast %v", stall, states, dyn)
		logSFU(t, srv)
	}
	if d := after.TotalFreezesDuration - before.TotalFreezesDuration; d >= 1 {
		t.Errorf("frozen %.2f s across the switch", d)
	}

	// All three layers flow while the top one is wanted.
	sent := func() map[string]uint64 {
		out := map[string]uint64{}
		for _, o := range pub.Stats().OutboundVideo() {
			out[o.RID] = o.BytesSent
		}
		return out
	}
	browsertest.WaitFor(t, 30*time.Second, "three layers sending", func() error {
		first := sent()
		time.Sleep(2 * time.Second)
		second := sent()
		for _, rid := range []string{"q", "h", "f"} {
			if second[rid] <= first[rid]+1000 {
				return fmt.Errorf("layer %q: %d then %d bytes sent (all: %v)", rid, first[rid], second[rid], second)
			}
		}
		return nil
	})
	logSFU(t, srv)
	if plis := pub.Stats().PLIsReceived() - plisBefore; plis > 20 {
		t.Errorf("the publisher got %d keyframe requests around one switch", plis)
	}
	for _, o := range pub.Stats().OutboundVideo() {
		t.Logf("publisher layer %q: %dx%d, %d bytes, %d PLIs, limited by %q",
			o.RID, o.FrameWidth, o.FrameHeight, o.BytesSent, o.PLICount, o.QualityLimitationReason)
	}
}

// logSFU logs the media plane's view of the room, for failures.
func logSFU(t *testing.T, srv *server.Server) {
	r, ok := srv.Rooms().Room("simulcast")
	if !ok {
		return
	}
	for _, info := range r.Participants() {
		p, _ := r.Participant(info.Identity)
		for sid, dt := range p.Subscriptions() {
			t.Logf("%s subscribed to %s: layer %d (target %d) %+v", info.Identity, sid, dt.CurrentLayer(), dt.TargetLayer(), dt.Stats())
			if rcv, ok := dt.Source().(interface{ Stats() sfu.ReceiverStats }); ok {
				t.Logf("source %s: %+v", sid, rcv.Stats())
			}
		}
	}
}
