package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
)

// member is a test participant that publishes synthetic audio and video
// and records what it receives.
type member struct {
	*testutil.Participant
	sids []string // published track sids: audio, video
}

// joinAndPublish connects identity to room "net" at url, publishes an
// audio and a video track that send until the test ends, and returns the
// watched participant.
func joinAndPublish(t *testing.T, url, identity string, opts ...client.Option) *member {
	t.Helper()
	ctx := t.Context()
	room, err := client.Connect(ctx, url, testutil.Token(t, "net", identity, testutil.AllGrants()), opts...)
	if err != nil {
		t.Fatalf("%s connect: %v", identity, err)
	}
	p := testutil.Watch(identity, room)
	sendCtx, stop := context.WithCancel(context.Background())
	var senders sync.WaitGroup
	t.Cleanup(func() {
		stop()
		senders.Wait()
		_ = room.Close()
		p.Wait()
	})
	m := &member{Participant: p}
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		track, err := testutil.SyntheticTrack(kind, identity+"-"+kind.String(), identity)
		if err != nil {
			t.Fatal(err)
		}
		lt, err := room.PublishTrack(ctx, track, client.TrackOptions{Width: 640, Height: 360})
		if err != nil {
			t.Fatalf("%s publish %s: %v", identity, kind, err)
		}
		m.sids = append(m.sids, lt.Sid())
		testutil.SendSynthetic(sendCtx, &senders, track, identity+"/"+kind.String())
	}
	return m
}

// receives waits until m has received n more intact packets of every
// track of from than it had when called.
func (m *member) receives(t *testing.T, from *member, n int, timeout time.Duration, when string) {
	t.Helper()
	for _, sid := range from.sids {
		before := m.Received(sid).Intact
		testutil.Eventually(t, timeout, func() bool { return m.Received(sid).Intact >= before+n },
			"%s: %s receiving %s's track %s: %v; events: %s", when, m.Identity, from.Identity, sid, m.Received(sid), m.DescribeEvents())
		if got := m.Received(sid); got.Corrupt != 0 {
			t.Fatalf("%s: %s received %s's track corrupted: %v", when, m.Identity, from.Identity, got)
		}
	}
}

// sawLeave reports whether m was told that of left or that one of its
// tracks went away.
func (m *member) sawLeave(of *member) (client.Event, bool) {
	return m.Find(func(ev client.Event) bool {
		switch ev := ev.(type) {
		case client.ParticipantLeft:
			return ev.Participant.GetIdentity() == of.Identity
		case client.TrackUnpublished:
			for _, sid := range of.sids {
				if ev.Track.GetSid() == sid {
					return true
				}
			}
		}
		return false
	})
}

// grpcURL and wsURL address a server's two signaling transports.
func grpcURL(addr string) string { return "grpc://" + addr }
func wsURL(addr string) string   { return "ws://" + addr + "/signal" }
