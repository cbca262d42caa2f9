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
)

// TestBrowserSignalingResume (issue 6, test 7): the WebSocket of a browser
// participant is cut (a TCP proxy between page and server drops every
// connection at once); the page reconnects and resumes its session: same
// participant, no rejoin, media never stops, and the others see no leave.
func TestBrowserSignalingResume(t *testing.T) {
	srv := testutil.StartServer(t)
	proxy := testutil.StartProxy(t, srv.HTTPAddr())
	b := browsertest.Start(t)

	// A Go participant watches what the others see.
	ctx := t.Context()
	observer, err := client.Connect(ctx, "grpc://"+srv.GRPCAddr(), testutil.Token(t, "resume", "observer", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	watch := testutil.Watch("observer", observer)
	t.Cleanup(func() { _ = observer.Close(); watch.Wait() })
	track, err := testutil.SyntheticTrack(webrtc.RTPCodecTypeAudio, "observer-mic", "observer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := observer.PublishTrack(ctx, track, client.TrackOptions{}); err != nil {
		t.Fatal(err)
	}
	var senders sync.WaitGroup
	sendCtx, stop := context.WithCancel(ctx)
	t.Cleanup(func() { stop(); senders.Wait() })
	testutil.SendSynthetic(sendCtx, &senders, track, "observer/audio")

	// The page reaches the server only through the proxy.
	alice := b.NewPage("alice")
	alice.Navigate("http://" + proxy.Addr() + "/resume?name=alice&autojoin=1")
	alice.WaitJS(`window.parleyDebug && window.parleyDebug.state === "joined"`, 30*time.Second)
	var sid string
	alice.Eval(`window.parleyDebug.participantSid`, &sid)
	fromAlice := func() int {
		n := 0
		for _, rt := range observer.RemoteTracks() {
			if isIdentity(rt.ParticipantIdentity(), "alice") {
				n += watch.Received(rt.Sid()).Packets
			}
		}
		return n
	}
	rising := func(what string, count func() int) {
		t.Helper()
		before := count()
		browsertest.WaitFor(t, 20*time.Second, what, func() error {
			if n := count(); n < before+50 {
				return fmt.Errorf("%d packets, %d before", n, before)
			}
			return nil
		})
	}
	rising("the observer receives alice's media", fromAlice)
	rising("alice receives the observer's audio", func() int { return int(alice.Stats().AudioPacketsReceived()) })

	proxy.Cut()
	alice.WaitJS(`window.parleyDebug.resumes === 1 && window.parleyDebug.state === "joined"`, 20*time.Second)
	var got struct {
		SID     string `json:"sid"`
		Rejoins int    `json:"rejoins"`
	}
	alice.Eval(`({sid: window.parleyDebug.participantSid, rejoins: window.parleyDebug.rejoins})`, &got)
	if got.SID != sid || got.Rejoins != 0 {
		t.Fatalf("after the cut: participant %s (was %s), %d rejoins: want the same participant, no rejoin", got.SID, sid, got.Rejoins)
	}
	rising("the observer still receives alice's media", fromAlice)
	rising("alice still receives the observer's audio", func() int { return int(alice.Stats().AudioPacketsReceived()) })
	if ev, ok := watch.Find(func(ev client.Event) bool {
		switch ev := ev.(type) {
		case client.ParticipantLeft:
			return isIdentity(ev.Participant.GetIdentity(), "alice")
		case client.TrackUnpublished:
			return isIdentity(ev.Track.GetParticipantIdentity(), "alice")
		}
		return false
	}); ok {
		t.Fatalf("the observer saw %#v", ev)
	}
	if joins := countJoins(watch, "alice"); joins != 1 {
		t.Fatalf("the observer saw alice join %d times", joins)
	}
}

// countJoins counts the ParticipantJoined events of name's guest identity.
func countJoins(w *testutil.Participant, name string) int {
	n := 0
	w.Find(func(ev client.Event) bool {
		if j, ok := ev.(client.ParticipantJoined); ok && isIdentity(j.Participant.GetIdentity(), name) {
			n++
		}
		return false
	})
	return n
}
