package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/server"
)

// transports are the two ways a client reaches the signaling service.
var transports = []struct {
	name string
	url  func(*server.Server) string
}{
	{"grpc", func(s *server.Server) string { return "grpc://" + s.GRPCAddr() }},
	{"websocket", func(s *server.Server) string { return "ws://" + s.HTTPAddr() + "/signal" }},
}

// TestThreeParticipantsExchangeMedia: three SDK clients publish audio and
// video; each receives the other two's tracks byte for byte; when one
// leaves, the others are told it left and its tracks are gone.
func TestThreeParticipantsExchangeMedia(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			srv := testutil.StartServer(t)
			testThreeParticipants(t, tr.url(srv))
		})
	}
}

func testThreeParticipants(t *testing.T, url string) {
	ctx := t.Context()
	sendCtx, stopSending := context.WithCancel(ctx)
	var senders sync.WaitGroup
	defer func() { stopSending(); senders.Wait() }()

	names := []string{"alice", "bob", "carol"}
	parts := map[string]*testutil.Participant{}
	published := map[string][]string{} // identity -> track sids
	for _, name := range names {
		room, err := client.Connect(ctx, url, testutil.Token(t, "meeting", name, testutil.AllGrants()))
		if err != nil {
			t.Fatalf("%s connect: %v", name, err)
		}
		p := testutil.Watch(name, room)
		parts[name] = p
		t.Cleanup(func() { _ = room.Close(); p.Wait() })
		for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			track, err := testutil.SyntheticTrack(kind, name+"-"+kind.String(), name)
			if err != nil {
				t.Fatal(err)
			}
			lt, err := room.PublishTrack(ctx, track, client.TrackOptions{Width: 640, Height: 360})
			if err != nil {
				t.Fatalf("%s publish %s: %v", name, kind, err)
			}
			published[name] = append(published[name], lt.Sid())
			testutil.SendSynthetic(sendCtx, &senders, track, name+"/"+kind.String())
		}
	}

	for _, name := range names {
		for _, other := range names {
			if other == name {
				continue
			}
			for _, sid := range published[other] {
				p := parts[name]
				testutil.Eventually(t, 15*time.Second, func() bool { return p.Received(sid).Intact >= 20 },
					"%s receiving %s's track %s: %v; events: %s", name, other, sid, p.Received(sid), p.DescribeEvents())
				if got := p.Received(sid); got.Corrupt != 0 || len(got.Tags) != 1 {
					t.Fatalf("%s received %s's track %s altered or mixed: %v", name, other, sid, got)
				}
			}
		}
	}

	if err := parts["carol"].Room.Leave(ctx); err != nil {
		t.Fatalf("carol leave: %v", err)
	}
	for _, name := range []string{"alice", "bob"} {
		p := parts[name]
		p.WaitEvent(t, 5*time.Second, "carol leaving", func(ev client.Event) bool {
			left, ok := ev.(client.ParticipantLeft)
			return ok && left.Participant.GetIdentity() == "carol"
		})
		for _, sid := range published["carol"] {
			p.WaitEvent(t, 5*time.Second, "carol's track "+sid+" unpublished", func(ev client.Event) bool {
				un, ok := ev.(client.TrackUnpublished)
				return ok && un.Track.GetSid() == sid
			})
		}
	}
	// The others still exchange media after carol left.
	before := parts["alice"].Received(published["bob"][1]).Intact
	testutil.Eventually(t, 5*time.Second, func() bool { return parts["alice"].Received(published["bob"][1]).Intact > before+10 },
		"alice stopped receiving bob's video after carol left")
}
