package client

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/parley-sfu/parley/proto/parleypb"
)

var vp8 = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

func isType[T Event](e Event) bool { _, ok := e.(T); return ok }

func not(f func(Event) bool) func(Event) bool { return func(e Event) bool { return !f(e) } }

func iceUfrag(sdp string) string {
	for _, l := range strings.Split(sdp, "\r\n") {
		if v, ok := strings.CutPrefix(l, "a=ice-ufrag:"); ok {
			return v
		}
	}
	return ""
}

// writeSamples writes VP8 "frames" into track every 10 ms until the
// returned function is called.
func writeSamples(track *webrtc.TrackLocalStaticSample, data []byte) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_ = track.WriteSample(media.Sample{Data: data, Duration: 10 * time.Millisecond})
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(stop); wg.Wait() }) }
}

// withFakePeer connects a Room to a fake server whose media side is a
// fakePeer.
func withFakePeer(t *testing.T) (*Room, *fakePeer, context.Context) {
	t.Helper()
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.grpcURL, basicJoin())
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return r, newFakePeer(t, sess), ctx
}

func TestNegotiation(t *testing.T) {
	r, f, ctx := withFakePeer(t)

	// The server offers bob's camera on the subscriber connection.
	cam, err := webrtc.NewTrackLocalStaticRTP(vp8, "TR_cam", "PA_bob")
	if err != nil {
		t.Fatal(err)
	}
	camTr, err := f.sub.pc.AddTransceiverFromTrack(cam, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	f.offer()
	stopCam := pump(map[*webrtc.TrackLocalStaticRTP][]byte{cam: {0xde, 0xad, 0xbe, 0xef}})
	defer stopCam()

	rt, err := r.WaitForTrack(ctx, "TR_cam")
	if err != nil {
		t.Fatal(err)
	}
	if rt.Sid() != "TR_cam" || rt.ParticipantSid() != "PA_bob" || rt.ParticipantIdentity() != "bob" ||
		rt.Kind() != webrtc.RTPCodecTypeVideo || rt.Codec().MimeType != webrtc.MimeTypeVP8 ||
		rt.Info().GetSource() != parleypb.TrackSource_TRACK_SOURCE_CAMERA || rt.Mid() != camTr.Mid() {
		t.Fatalf("remote track sid=%s participant=%s/%s kind=%s codec=%s info=%v mid=%s (want mid %s)",
			rt.Sid(), rt.ParticipantSid(), rt.ParticipantIdentity(), rt.Kind(), rt.Codec().MimeType, rt.Info(), rt.Mid(), camTr.Mid())
	}
	pkt, _, err := rt.Track().ReadRTP()
	if err != nil || !bytes.Equal(pkt.Payload, []byte{0xde, 0xad, 0xbe, 0xef}) {
		t.Fatalf("read %v, %v", pkt, err)
	}
	if ev := nextEvent(t, r, not(isType[TrackSubscribed])); ev.(TrackSubscribed).Track != rt {
		t.Fatalf("TrackSubscribed carries another track")
	}
	if got := r.RemoteTracks(); len(got) != 1 || got[0] != rt {
		t.Fatalf("RemoteTracks = %v", got)
	}
	if err := rt.RequestKeyframe(); err != nil {
		t.Fatal(err)
	}

	// The client publishes its camera.
	mine := newVP8Track(t, "cam1")
	lt, err := r.PublishTrack(ctx, mine, TrackOptions{Name: "camera", Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	add := recv(t, f.other, "AddTrackRequest").GetAddTrack()
	wantAdd := &parleypb.AddTrackRequest{Cid: "cam1", Name: "camera", Kind: parleypb.TrackKind_TRACK_KIND_VIDEO,
		Source: parleypb.TrackSource_TRACK_SOURCE_CAMERA, Width: 640, Height: 360}
	if !protoEqual(add, wantAdd) {
		t.Fatalf("AddTrackRequest %v, want %v", add, wantAdd)
	}
	if lt.Sid() != "TR_cam1" || lt.CID() != "cam1" || lt.Track() != mine || len(r.LocalTracks()) != 1 {
		t.Fatalf("local track %s/%s", lt.Sid(), lt.CID())
	}
	firstOffer := recv(t, f.offers, "publisher offer")
	stopMine := writeSamples(mine, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a})
	defer stopMine()
	remote := recv(t, f.received, "the client's media at the fake")
	if _, _, err := remote.ReadRTP(); err != nil {
		t.Fatal(err)
	}

	// A PLI from the server reaches the publisher as a keyframe request.
	if err := f.pub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(remote.SSRC())}}); err != nil {
		t.Fatal(err)
	}
	if rid := recv(t, lt.KeyframeRequests(), "keyframe request"); rid != "" || lt.KeyframeRequestCount() == 0 {
		t.Fatalf("keyframe request rid %q, count %d", rid, lt.KeyframeRequestCount())
	}

	// The server asks for an ICE restart of the publisher connection.
	f.send(&parleypb.SignalResponse{Message: &parleypb.SignalResponse_IceRestart{IceRestart: &parleypb.IceRestartRequest{
		Target: parleypb.SignalTarget_SIGNAL_TARGET_PUBLISHER}}})
	restart := recv(t, f.offers, "ICE restart offer")
	if restart.GetId() <= firstOffer.GetId() || iceUfrag(restart.GetSdp()) == iceUfrag(firstOffer.GetSdp()) {
		t.Fatalf("restart offer id %d ufrag %q; first id %d ufrag %q", restart.GetId(), iceUfrag(restart.GetSdp()),
			firstOffer.GetId(), iceUfrag(firstOffer.GetSdp()))
	}

	// Mute is announced.
	if err := r.MuteTrack(lt, true); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, f.other, "mute").GetMute(); m.GetTrackSid() != "TR_cam1" || !m.GetMuted() || !lt.Muted() || !lt.Info().GetMuted() {
		t.Fatalf("mute request %v, local muted %v", m, lt.Muted())
	}

	// The server takes bob's camera away: the renegotiation ends it.
	if err := f.sub.pc.RemoveTrack(camTr.Sender()); err != nil {
		t.Fatal(err)
	}
	f.offer()
	recv(t, rt.Done(), "end of the remote track")
	if ev := nextEvent(t, r, not(isType[TrackUnsubscribed])); ev.(TrackUnsubscribed).Track != rt {
		t.Fatal("TrackUnsubscribed carries another track")
	}
	if got := r.RemoteTracks(); len(got) != 0 {
		t.Fatalf("RemoteTracks after removal = %v", got)
	}

	// Unpublish: the server hears of it and gets a new offer.
	if err := r.Unpublish(lt); err != nil {
		t.Fatal(err)
	}
	if rm := recv(t, f.other, "remove track").GetRemoveTrack(); rm.GetTrackSid() != "TR_cam1" {
		t.Fatalf("remove request %v", rm)
	}
	recv(t, f.offers, "offer after unpublish")
	if len(r.LocalTracks()) != 0 {
		t.Fatal("unpublished track still listed")
	}

	select {
	case c := <-f.bad:
		t.Fatalf("non-loopback candidate from the client: %s", c)
	default:
	}
	stopMine()
	stopCam()
	go func() {
		recv(t, f.other, "leave")
		f.send(&parleypb.SignalResponse{Message: &parleypb.SignalResponse_Leave{Leave: &parleypb.LeaveResponse{
			Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST}}})
	}()
	if err := r.Leave(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSimulcastPublish(t *testing.T) {
	r, f, ctx := withFakePeer(t)

	var layers []*webrtc.TrackLocalStaticRTP
	for _, rid := range []string{"f", "q", "h"} { // any order; sent lowest first
		l, err := webrtc.NewTrackLocalStaticRTP(vp8, "screen", "me", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, l)
	}
	lt, err := r.PublishSimulcast(ctx, layers, TrackOptions{Source: parleypb.TrackSource_TRACK_SOURCE_SCREEN_SHARE, Width: 1280, Height: 720})
	if err != nil {
		t.Fatal(err)
	}
	add := recv(t, f.other, "AddTrackRequest").GetAddTrack()
	var rids []string
	for _, l := range add.GetLayers() {
		rids = append(rids, l.GetRid())
	}
	if add.GetSource() != parleypb.TrackSource_TRACK_SOURCE_SCREEN_SHARE || !slices.Equal(rids, []string{"q", "h", "f"}) ||
		!slices.Equal(lt.RIDs(), rids) || add.GetLayers()[1].GetWidth() != 640 {
		t.Fatalf("AddTrackRequest %v, local rids %v", add, lt.RIDs())
	}
	offer := recv(t, f.offers, "publisher offer")
	if !strings.Contains(offer.GetSdp(), "a=simulcast:send q;h;f") {
		t.Fatalf("offer without simulcast:\n%s", offer.GetSdp())
	}

	payloads := map[*webrtc.TrackLocalStaticRTP][]byte{}
	for _, l := range layers {
		payloads[l] = []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	}
	stop := pump(payloads)
	defer stop()
	got := map[string]*webrtc.TrackRemote{}
	for len(got) < 3 {
		tr := recv(t, f.received, "simulcast layers at the fake")
		got[tr.RID()] = tr
	}
	h := got["h"]
	if h == nil {
		t.Fatalf("layers received: %v", got)
	}
	if _, _, err := h.ReadRTP(); err != nil {
		t.Fatal(err)
	}
	if err := f.pub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(h.SSRC())}}); err != nil {
		t.Fatal(err)
	}
	if rid := recv(t, lt.KeyframeRequests(), "keyframe request"); rid != "h" {
		t.Fatalf("keyframe request for %q, want h", rid)
	}
	connected := func(e Event) bool {
		s, ok := e.(PeerConnectionStateChanged)
		return ok && s.Target == parleypb.SignalTarget_SIGNAL_TARGET_PUBLISHER && s.State == webrtc.PeerConnectionStateConnected
	}
	nextEvent(t, r, not(connected))
	stop()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
