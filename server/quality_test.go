package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/proto/parleypb"
)

// connect joins room as identity and records its events.
func connect(t *testing.T, url, room, identity string, opts ...client.Option) *testutil.Participant {
	t.Helper()
	r, err := client.Connect(t.Context(), url, testutil.Token(t, room, identity, testutil.AllGrants()), opts...)
	if err != nil {
		t.Fatalf("%s connect: %v", identity, err)
	}
	p := testutil.Watch(identity, r)
	t.Cleanup(func() { _ = r.Close(); p.Wait() })
	return p
}

// TestActiveSpeaker: of two participants sending audio, the louder one is
// reported as the active speaker, first in the SpeakersChanged event the
// others receive; when the levels swap, so does the order.
func TestActiveSpeaker(t *testing.T) {
	srv := testutil.StartServer(t)
	url := "grpc://" + srv.GRPCAddr()
	sendCtx, stop := context.WithCancel(t.Context())
	var senders sync.WaitGroup
	defer func() { stop(); senders.Wait() }()

	carol := connect(t, url, "speakers", "carol")
	mics := map[string]*client.LocalTrack{}
	sids := map[string]string{}
	for _, name := range []string{"alice", "bob"} {
		p := connect(t, url, "speakers", name)
		track, err := testutil.SyntheticTrack(webrtc.RTPCodecTypeAudio, name+"-mic", name)
		if err != nil {
			t.Fatal(err)
		}
		lt, err := p.Room.PublishTrack(t.Context(), track, client.TrackOptions{})
		if err != nil {
			t.Fatalf("%s publish: %v", name, err)
		}
		mics[name] = lt
		sids[name] = p.Room.LocalParticipant().GetSid()
		testutil.SendSynthetic(sendCtx, &senders, track, name)
	}
	mics["alice"].SetAudioLevel(20, true) // -20 dBov: talking
	mics["bob"].SetAudioLevel(40, true)   // -40 dBov: talking, quieter

	loudest := func(who string) func(client.Event) bool {
		return func(ev client.Event) bool {
			sc, ok := ev.(client.SpeakersChanged)
			return ok && len(sc.Speakers) > 0 && sc.Speakers[0].GetParticipantSid() == sids[who] && sc.Speakers[0].GetActive()
		}
	}
	ev := carol.WaitEvent(t, 15*time.Second, "alice as the loudest speaker", loudest("alice")).(client.SpeakersChanged)
	for _, s := range ev.Speakers[1:] {
		if s.GetLevel() > ev.Speakers[0].GetLevel() {
			t.Fatalf("speakers not loudest first: %v", ev.Speakers)
		}
	}
	if l := ev.Speakers[0].GetLevel(); l <= 0 || l > 0.2 {
		t.Fatalf("alice's level %.3f, want above 0 and at most 0.1 (-20 dBov) smoothed", l)
	}

	mics["alice"].SetAudioLevel(45, true)
	mics["bob"].SetAudioLevel(15, true)
	carol.WaitEvent(t, 15*time.Second, "bob as the loudest speaker", loudest("bob"))
}

// TestDynacastAndStreamState: a subscriber that shrinks its tile to
// 320x180 makes the server pause the publisher's two upper layers (the SDK
// stops sending them) and tells the subscriber it now gets the low
// quality; growing the tile back resumes them at once.
func TestDynacastAndStreamState(t *testing.T) {
	srv := testutil.StartServer(t)
	url := "grpc://" + srv.GRPCAddr()
	sendCtx, stop := context.WithCancel(t.Context())
	var senders sync.WaitGroup
	defer func() { stop(); senders.Wait() }()

	pub := connect(t, url, "dynacast", "alice")
	var layers []*webrtc.TrackLocalStaticRTP
	for _, rid := range []string{"q", "h", "f"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
			"cam", "alice", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, tr)
	}
	lt, err := pub.Room.PublishSimulcast(t.Context(), layers, client.TrackOptions{Width: 1280, Height: 720})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range layers {
		testutil.SendSynthetic(sendCtx, &senders, tr, []string{"q", "h", "f"}[i])
	}

	sub := connect(t, url, "dynacast", "bob")
	testutil.Eventually(t, 15*time.Second, func() bool { return sub.Received(lt.Sid()).Tags["f"] > 10 },
		"bob receiving the top layer: %v", sub.Received(lt.Sid()))
	if lt.LayerPaused("q") || lt.LayerPaused("h") || lt.LayerPaused("f") {
		t.Fatal("a layer is paused while bob watches the top one")
	}

	if err := sub.Room.UpdateSubscription(lt.Sid(), client.SubscriptionPrefs{Width: 320, Height: 180}); err != nil {
		t.Fatal(err)
	}
	sub.WaitEvent(t, 10*time.Second, "the low quality stream state", func(ev client.Event) bool {
		ss, ok := ev.(client.StreamStateChanged)
		return ok && len(ss.Streams) == 1 && ss.Streams[0].GetTrackSid() == lt.Sid() &&
			ss.Streams[0].GetState() == parleypb.StreamState_STREAM_STATE_ACTIVE &&
			ss.Streams[0].GetQuality() == parleypb.VideoQuality_VIDEO_QUALITY_LOW
	})
	pub.WaitEvent(t, 10*time.Second, "h and f no longer needed", func(ev client.Event) bool {
		sq, ok := ev.(client.SubscribedQualityChanged)
		if !ok || sq.TrackSid != lt.Sid() {
			return false
		}
		enabled := map[parleypb.VideoQuality]bool{}
		for _, q := range sq.Qualities {
			enabled[q.GetQuality()] = q.GetEnabled()
		}
		return enabled[parleypb.VideoQuality_VIDEO_QUALITY_LOW] &&
			!enabled[parleypb.VideoQuality_VIDEO_QUALITY_MEDIUM] && !enabled[parleypb.VideoQuality_VIDEO_QUALITY_HIGH]
	})
	if lt.LayerPaused("q") || !lt.LayerPaused("h") || !lt.LayerPaused("f") {
		t.Fatalf("paused q/h/f: %v %v %v, want false true true", lt.LayerPaused("q"), lt.LayerPaused("h"), lt.LayerPaused("f"))
	}

	before := sub.Received(lt.Sid()).Tags["f"]
	if err := sub.Room.UpdateSubscription(lt.Sid(), client.SubscriptionPrefs{Width: 1280, Height: 720}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool { return !lt.LayerPaused("f") && sub.Received(lt.Sid()).Tags["f"] > before+10 },
		"the top layer resumed: paused %v, received %v", lt.LayerPaused("f"), sub.Received(lt.Sid()))
	sub.WaitEvent(t, 10*time.Second, "the high quality stream state", func(ev client.Event) bool {
		ss, ok := ev.(client.StreamStateChanged)
		return ok && len(ss.Streams) == 1 && ss.Streams[0].GetQuality() == parleypb.VideoQuality_VIDEO_QUALITY_HIGH
	})
}
