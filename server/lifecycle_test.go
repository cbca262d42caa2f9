package server_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/server"
)

func TestHealthz(t *testing.T) {
	srv := testutil.StartServer(t)
	resp, err := http.Get("http://" + srv.HTTPAddr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
}

// TestShutdownTellsParticipants: stopping the server tells everyone why
// and closes their connections.
func TestShutdownTellsParticipants(t *testing.T) {
	cfg := server.DevConfig()
	cfg.HTTPPort, cfg.GRPCPort, cfg.SFU.UDPPort = 0, 0, 0
	srv, err := server.New(cfg, testutil.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	ctx := t.Context()
	var views []*testutil.Participant
	for _, name := range []string{"a", "b"} {
		r, err := client.Connect(ctx, "ws://"+srv.HTTPAddr()+"/signal", testutil.Token(t, "r", name, testutil.AllGrants()))
		if err != nil {
			t.Fatal(err)
		}
		views = append(views, testutil.Watch(name, r))
	}
	shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		v.WaitEvent(t, 5*time.Second, "the server shutting down", func(ev client.Event) bool {
			d, ok := ev.(client.Disconnected)
			return ok && d.Reason == pb.LeaveReason_LEAVE_REASON_SERVER_SHUTDOWN && d.CanReconnect
		})
		v.Wait()
	}
	if n := srv.PeerConnections(); n != 0 {
		t.Fatalf("%d PeerConnections still open after shutdown", n)
	}
}

// TestExplicitSubscription: without auto-subscribe a participant hears of
// tracks, subscribes to the one it wants and can unsubscribe again.
func TestExplicitSubscription(t *testing.T) {
	srv := testutil.StartServer(t)
	ctx := t.Context()
	pub, err := client.Connect(ctx, "grpc://"+srv.GRPCAddr(), testutil.Token(t, "r", "pub", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var senders sync.WaitGroup
	sendCtx, stop := context.WithCancel(ctx)
	defer func() { stop(); senders.Wait() }()
	sids := map[webrtc.RTPCodecType]string{}
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		track, _ := testutil.SyntheticTrack(kind, "t-"+kind.String(), "pub")
		lt, err := pub.PublishTrack(ctx, track, client.TrackOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sids[kind] = lt.Sid()
		testutil.SendSynthetic(sendCtx, &senders, track, kind.String())
	}

	subRoom, err := client.Connect(ctx, "grpc://"+srv.GRPCAddr(), testutil.Token(t, "r", "sub", testutil.AllGrants()), client.WithAutoSubscribe(false))
	if err != nil {
		t.Fatal(err)
	}
	sub := testutil.Watch("sub", subRoom)
	defer func() { _ = subRoom.Close(); sub.Wait() }()

	video := sids[webrtc.RTPCodecTypeVideo]
	// A subscriber learns of a track once its media flows: in its join
	// response, or in a track-published event.
	testutil.Eventually(t, 10*time.Second, func() bool {
		for _, p := range subRoom.Participants() {
			for _, tr := range p.GetTracks() {
				if tr.GetSid() == video {
					return true
				}
			}
		}
		return false
	}, "sub never learned of the video")
	if err := subRoom.Subscribe(video, client.SubscriptionPrefs{Width: 320, Height: 180}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool { return sub.Received(video).Intact > 20 }, "no video after subscribing")
	time.Sleep(300 * time.Millisecond) // audio would have arrived by now if it were subscribed
	if got := sub.Received(sids[webrtc.RTPCodecTypeAudio]); got.Packets != 0 {
		t.Fatalf("received audio it never subscribed to: %v", got)
	}
	if err := subRoom.Unsubscribe(video); err != nil {
		t.Fatal(err)
	}
	sub.WaitEvent(t, 5*time.Second, "the video unsubscribed", func(ev client.Event) bool {
		u, ok := ev.(client.TrackUnsubscribed)
		return ok && u.Track.Sid() == video
	})
}
