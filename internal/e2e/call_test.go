// Package e2e holds end-to-end tests that drive the web app in headless
// Chromium against an in-process server.
package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/browsertest"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/server"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// join opens the room page for name and waits until it joined.
func join(t *testing.T, b *browsertest.Browser, srv *server.Server, room, name string) *browsertest.Page {
	t.Helper()
	p := b.NewPage(name)
	p.Navigate(srv.URL(room) + "?name=" + name + "&autojoin=1")
	p.WaitJS(`window.parleyDebug && window.parleyDebug.state === "joined"`, 30*time.Second)
	return p
}

// framesRising waits until p decodes video and keeps decoding.
func framesRising(t *testing.T, p *browsertest.Page, what string) {
	t.Helper()
	var first uint64
	browsertest.WaitFor(t, 30*time.Second, what+" decodes video", func() error {
		if first = p.Stats().FramesDecoded(); first < 10 {
			return fmt.Errorf("framesDecoded %d", first)
		}
		return nil
	})
	browsertest.WaitFor(t, 10*time.Second, what+" keeps decoding", func() error {
		if n := p.Stats().FramesDecoded(); n < first+10 {
			return fmt.Errorf("framesDecoded %d, was %d", n, first)
		}
		return nil
	})
}

// audioArrives waits until p receives audio packets and keeps receiving.
func audioArrives(t *testing.T, p *browsertest.Page, what string) {
	t.Helper()
	var first uint64
	browsertest.WaitFor(t, 30*time.Second, what+" receives audio", func() error {
		if first = p.Stats().AudioPacketsReceived(); first < 20 {
			return fmt.Errorf("audio packetsReceived %d", first)
		}
		return nil
	})
	browsertest.WaitFor(t, 10*time.Second, what+" keeps receiving audio", func() error {
		if n := p.Stats().AudioPacketsReceived(); n < first+20 {
			return fmt.Errorf("audio packetsReceived %d, was %d", n, first)
		}
		return nil
	})
}

// TestTwoBrowsers: two people open the room URL; each sees and hears the
// other.
func TestTwoBrowsers(t *testing.T) {
	srv := testutil.StartServer(t)
	b := browsertest.Start(t)
	alice := join(t, b, srv, "demo", "alice")
	bob := join(t, b, srv, "demo", "bob")

	for _, tc := range []struct {
		page  *browsertest.Page
		other string
	}{{alice, "bob"}, {bob, "alice"}} {
		tile := fmt.Sprintf(`document.querySelector('[data-testid^="tile-%s"] video')`, tc.other)
		tc.page.WaitJS(tile+` && `+tile+`.videoWidth > 0`, 30*time.Second)
		framesRising(t, tc.page, tc.page.Name())
		audioArrives(t, tc.page, tc.page.Name())
		if bad := tc.page.Stats().CheckedNonLoopback(); len(bad) > 0 {
			t.Errorf("%s checked candidate pairs off loopback: %v", tc.page.Name(), bad)
		}
	}
}

// TestBrowserAndGoClient: a browser and a Go SDK client in one room
// exchange media both ways.
func TestBrowserAndGoClient(t *testing.T) {
	srv := testutil.StartServer(t)
	b := browsertest.Start(t)
	alice := join(t, b, srv, "mixed", "alice")

	ctx := t.Context()
	gopher, err := client.Connect(ctx, "grpc://"+srv.GRPCAddr(), testutil.Token(t, "mixed", "gopher", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	watch := testutil.Watch("gopher", gopher)
	t.Cleanup(func() { _ = gopher.Close(); watch.Wait() })
	var senders sync.WaitGroup
	sendCtx, stop := context.WithCancel(ctx)
	t.Cleanup(func() { stop(); senders.Wait() })
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		track, err := testutil.SyntheticTrack(kind, "gopher-"+kind.String(), "gopher")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gopher.PublishTrack(ctx, track, client.TrackOptions{Width: 640, Height: 360}); err != nil {
			t.Fatal(err)
		}
		testutil.SendSynthetic(sendCtx, &senders, track, "gopher/"+kind.String())
	}

	// The browser gets the Go client's audio and video packets.
	alice.WaitJS(`document.querySelector('[data-testid^="tile-gopher"]') !== null`, 30*time.Second)
	audioArrives(t, alice, "alice")
	browsertest.WaitFor(t, 30*time.Second, "alice receives gopher's video", func() error {
		var n uint64
		for _, v := range alice.Stats().InboundVideo() {
			n += v.PacketsReceived
		}
		if n < 30 {
			return fmt.Errorf("video packetsReceived %d", n)
		}
		return nil
	})

	// The Go client gets the browser's camera and microphone: real VP8 and
	// Opus from Chromium's fake devices.
	browsertest.WaitFor(t, 30*time.Second, "gopher receives alice's media", func() error {
		audio, video := 0, 0
		for _, rt := range gopher.RemoteTracks() {
			if !isIdentity(rt.ParticipantIdentity(), "alice") {
				continue
			}
			n := watch.Received(rt.Sid()).Packets
			if rt.Kind() == webrtc.RTPCodecTypeAudio {
				audio += n
			} else {
				video += n
			}
		}
		if audio < 50 || video < 50 {
			return fmt.Errorf("%d audio and %d video packets", audio, video)
		}
		return nil
	})
}

// isIdentity reports whether a guest identity was made from name (guest
// identities are the name plus a random suffix).
func isIdentity(identity, name string) bool {
	return len(identity) > len(name) && identity[:len(name)+1] == name+"-"
}
