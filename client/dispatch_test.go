package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// norm renders an event for whole-value comparison: its type and its JSON
// (generated proto structs marshal through their json tags).
func norm(t *testing.T, ev Event) string {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%T %s", ev, b)
}

func TestEventDispatch(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.grpcURL, basicJoin())

	carol := &parleypb.ParticipantInfo{Sid: "PA_carol", Identity: "carol", Name: "Carol"}
	mic := &parleypb.TrackInfo{Sid: "TR_mic", ParticipantSid: "PA_carol", ParticipantIdentity: "carol", Kind: parleypb.TrackKind_TRACK_KIND_AUDIO}
	carolUpdated := &parleypb.ParticipantInfo{Sid: "PA_carol", Identity: "carol", Name: "Carol C",
		Attributes: map[string]string{"hand_raised": "1"}, Tracks: []*parleypb.TrackInfo{mic}}
	me := &parleypb.ParticipantInfo{Sid: "PA_me", Identity: "me", Name: "Me Too"}
	speakers := []*parleypb.SpeakerInfo{{ParticipantSid: "PA_bob", Level: 0.5, Active: true}}
	quality := []*parleypb.ConnectionQualityInfo{{ParticipantSid: "PA_bob", Quality: parleypb.ConnectionQuality_CONNECTION_QUALITY_GOOD, Score: 4}}
	streams := []*parleypb.StreamStateInfo{{TrackSid: "TR_cam", State: parleypb.StreamState_STREAM_STATE_PAUSED, Reason: parleypb.StreamPauseReason_STREAM_PAUSE_REASON_BANDWIDTH}}
	qualities := []*parleypb.SubscribedQuality{{Quality: parleypb.VideoQuality_VIDEO_QUALITY_HIGH, Enabled: false}}
	room := &parleypb.RoomInfo{Sid: "RM_1", Name: "standup", NumParticipants: 3}

	script := []struct {
		send *parleypb.SignalResponse
		want []Event
	}{
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_ParticipantJoined{ParticipantJoined: &parleypb.ParticipantJoined{Participant: carol}}},
			[]Event{ParticipantJoined{Participant: carol}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_TrackAdded{TrackAdded: &parleypb.TrackPublished{Track: mic}}},
			[]Event{TrackPublished{Track: mic}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_TrackMuted{TrackMuted: &parleypb.TrackMuted{TrackSid: "TR_mic", ParticipantSid: "PA_carol", Muted: true}}},
			[]Event{TrackMuted{TrackSid: "TR_mic", ParticipantSid: "PA_carol", Muted: true}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_ParticipantUpdated{ParticipantUpdated: &parleypb.ParticipantUpdated{Participant: carolUpdated}}},
			[]Event{ParticipantUpdated{Participant: carolUpdated}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_ParticipantUpdated{ParticipantUpdated: &parleypb.ParticipantUpdated{Participant: me}}},
			[]Event{ParticipantUpdated{Participant: me, Local: true}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_SpeakersChanged{SpeakersChanged: &parleypb.SpeakersChanged{Speakers: speakers}}},
			[]Event{SpeakersChanged{Speakers: speakers}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_ConnectionQuality{ConnectionQuality: &parleypb.ConnectionQualityUpdate{Updates: quality}}},
			[]Event{ConnectionQualityChanged{Updates: quality}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_StreamState{StreamState: &parleypb.StreamStateUpdate{Streams: streams}}},
			[]Event{StreamStateChanged{Streams: streams}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_SubscribedQuality{SubscribedQuality: &parleypb.SubscribedQualityUpdate{TrackSid: "TR_unknown", Qualities: qualities}}},
			[]Event{SubscribedQualityChanged{TrackSid: "TR_unknown", Qualities: qualities}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_RoomUpdate{RoomUpdate: &parleypb.RoomUpdate{Room: room}}},
			[]Event{RoomUpdated{Room: room}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_Error{Error: &parleypb.ErrorResponse{Code: parleypb.ErrorCode_ERROR_CODE_INTERNAL, Message: "oops"}}},
			[]Event{ErrorReceived{Err: &Error{Code: parleypb.ErrorCode_ERROR_CODE_INTERNAL, Message: "oops"}}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_TrackRemoved{TrackRemoved: &parleypb.TrackUnpublished{TrackSid: "TR_mic", ParticipantSid: "PA_carol"}}},
			[]Event{TrackUnpublished{Track: &parleypb.TrackInfo{Sid: "TR_mic", ParticipantSid: "PA_carol", ParticipantIdentity: "carol",
				Kind: parleypb.TrackKind_TRACK_KIND_AUDIO}}}},
		{&parleypb.SignalResponse{Message: &parleypb.SignalResponse_ParticipantLeft{ParticipantLeft: &parleypb.ParticipantLeft{ParticipantSid: "PA_carol", Identity: "carol", Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST}}},
			[]Event{ParticipantLeft{Participant: &parleypb.ParticipantInfo{Sid: "PA_carol", Identity: "carol", Name: "Carol C",
				Attributes: map[string]string{"hand_raised": "1"}}, Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST}}},
	}
	for i, step := range script {
		sess.respond(t, step.send)
		for _, want := range step.want {
			if got := nextEvent(t, r); norm(t, got) != norm(t, want) {
				t.Fatalf("step %d:\n got %s\nwant %s", i, norm(t, got), norm(t, want))
			}
		}
		if i == 3 { // after carol's update: the view holds her with her muted track
			p := r.Participant("carol")
			want := &parleypb.ParticipantInfo{Sid: "PA_carol", Identity: "carol", Name: "Carol C",
				Attributes: map[string]string{"hand_raised": "1"}, Tracks: []*parleypb.TrackInfo{mic}}
			if !protoEqual(p, want) {
				t.Fatalf("view of carol %v, want %v", p, want)
			}
		}
	}
	// The view after the script: bob only, local renamed, room updated.
	var ids []string
	for _, p := range r.Participants() {
		ids = append(ids, p.GetIdentity())
	}
	if !reflect.DeepEqual(ids, []string{"bob"}) {
		t.Fatalf("participants %v", ids)
	}
	if r.LocalParticipant().GetName() != "Me Too" || r.Info().GetNumParticipants() != 3 {
		t.Fatalf("local %v, room %v", r.LocalParticipant(), r.Info())
	}
	// Events carry copies: changing one does not change the view.
	sess.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_ParticipantJoined{ParticipantJoined: &parleypb.ParticipantJoined{Participant: carol}}})
	nextEvent(t, r).(ParticipantJoined).Participant.Name = "changed"
	if got := r.Participant("carol").GetName(); got != "Carol" {
		t.Fatalf("view changed through an event: %q", got)
	}
}

func TestRequestErrors(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.grpcURL, basicJoin(), WithRequestTimeout(300*time.Millisecond))
	denied := func(q *parleypb.SignalRequest, msg string) *parleypb.SignalResponse {
		return &parleypb.SignalResponse{RequestId: q.GetRequestId(), Message: &parleypb.SignalResponse_Error{Error: &parleypb.ErrorResponse{
			Code: parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED, Message: msg, RequestId: q.GetRequestId()}}}
	}
	isData := func(q *parleypb.SignalRequest) bool { return q.GetData() != nil }
	isAdd := func(q *parleypb.SignalRequest) bool { return q.GetAddTrack() != nil }
	isSub := func(q *parleypb.SignalRequest) bool { return q.GetSubscription() != nil }

	t.Run("fire and forget", func(t *testing.T) {
		if err := r.SendChat("hi"); err != nil {
			t.Fatal(err)
		}
		q := sess.expect(t, "data", isData)
		sess.respond(t, denied(q, "no publishData grant"))
		want := ErrorReceived{Err: &Error{Code: parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED, Message: "no publishData grant",
			RequestID: q.GetRequestId(), Request: "data"}}
		if got := nextEvent(t, r); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
		if msg := fmt.Sprintf("parley: PERMISSION_DENIED: no publishData grant (data request #%d)", q.GetRequestId()); msg != want.Err.Error() {
			t.Fatalf("message %q, want %q", want.Err.Error(), msg)
		}
	})

	t.Run("publish refused", func(t *testing.T) {
		track := newVP8Track(t, "cam-1")
		go func() { sess.respond(t, denied(sess.expect(t, "add_track", isAdd), "no publish grant")) }()
		_, err := r.PublishTrack(context.Background(), track, TrackOptions{})
		var perr *Error
		if !errors.As(err, &perr) || perr.Code != parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED || perr.Request != "add_track" {
			t.Fatalf("err = %v, want PERMISSION_DENIED for add_track", err)
		}
		if len(r.LocalTracks()) != 0 {
			t.Fatal("refused track is listed")
		}
	})

	t.Run("publish timeout and duplicate cid", func(t *testing.T) {
		track := newVP8Track(t, "cam-2")
		errs := make(chan error, 1)
		go func() {
			_, err := r.PublishTrack(context.Background(), track, TrackOptions{})
			errs <- err
		}()
		q := sess.expect(t, "add_track", isAdd) // answered only after the timeout
		if _, err := r.PublishTrack(context.Background(), track, TrackOptions{}); !errors.Is(err, ErrDuplicateTrack) {
			t.Fatalf("second publish of the same cid: %v", err)
		}
		if err := <-errs; !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		// A late acceptance is taken back.
		sess.respond(t, &parleypb.SignalResponse{RequestId: q.GetRequestId(), Message: &parleypb.SignalResponse_TrackPublished{
			TrackPublished: &parleypb.TrackPublishedResponse{Cid: "cam-2", Track: &parleypb.TrackInfo{Sid: "TR_late"}}}})
		rm := sess.expect(t, "remove_track", func(q *parleypb.SignalRequest) bool { return q.GetRemoveTrack() != nil })
		if rm.GetRemoveTrack().GetTrackSid() != "TR_late" {
			t.Fatalf("removed %v", rm)
		}
	})

	t.Run("publish cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { sess.expect(t, "add_track", isAdd); cancel() }()
		if _, err := r.PublishTrack(ctx, newVP8Track(t, "cam-3"), TrackOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})

	t.Run("subscription refused", func(t *testing.T) {
		if err := r.Subscribe("TR_secret", SubscriptionPrefs{}); err != nil {
			t.Fatal(err)
		}
		q := sess.expect(t, "subscription", isSub)
		sess.respond(t, &parleypb.SignalResponse{RequestId: q.GetRequestId(), Message: &parleypb.SignalResponse_Error{Error: &parleypb.ErrorResponse{
			Code: parleypb.ErrorCode_ERROR_CODE_NOT_FOUND, Message: "unknown track", RequestId: q.GetRequestId()}}})
		want := &Error{Code: parleypb.ErrorCode_ERROR_CODE_NOT_FOUND, Message: "unknown track", RequestID: q.GetRequestId(), Request: "subscription"}
		if got := nextEvent(t, r); !reflect.DeepEqual(got, SubscriptionFailed{TrackSid: "TR_secret", Err: want}) {
			t.Fatalf("event %#v", got)
		}

		// The same through a SubscriptionResponse, while WaitForTrack waits.
		errs := make(chan error, 1)
		go func() {
			_, err := r.WaitForTrack(context.Background(), "TR_other")
			errs <- err
		}()
		if err := r.Subscribe("TR_other", SubscriptionPrefs{}); err != nil {
			t.Fatal(err)
		}
		q = sess.expect(t, "subscription", isSub)
		eventually(t, "WaitForTrack to wait", func() bool {
			r.state.mu.Lock()
			defer r.state.mu.Unlock()
			return len(r.state.waiters["TR_other"]) == 1
		})
		sess.respond(t, &parleypb.SignalResponse{RequestId: q.GetRequestId(), Message: &parleypb.SignalResponse_Subscription{Subscription: &parleypb.SubscriptionResponse{
			TrackSid: "TR_other", Error: parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED, Message: "no subscribe grant"}}})
		var perr *Error
		if err := <-errs; !errors.As(err, &perr) || perr.Code != parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED {
			t.Fatalf("WaitForTrack: %v", err)
		}
		nextEvent(t, r) // its SubscriptionFailed
	})

	t.Run("wait cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := r.WaitForTrack(ctx, "TR_never"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		r.state.mu.Lock()
		defer r.state.mu.Unlock()
		if len(r.state.waiters) != 0 {
			t.Fatalf("waiters left: %v", r.state.waiters)
		}
	})
}

func TestPublishValidation(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, _ := connect(t, srv, srv.grpcURL, basicJoin())
	vp8 := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	layer := func(id, stream, rid string) *webrtc.TrackLocalStaticRTP {
		tr, err := webrtc.NewTrackLocalStaticRTP(vp8, id, stream, webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	opus, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s", webrtc.WithRTPStreamID("q"))
	tests := []struct {
		name string
		pub  func() error
	}{
		{"nil track", func() error { _, err := r.PublishTrack(context.Background(), nil, TrackOptions{}); return err }},
		{"track with rid", func() error {
			_, err := r.PublishTrack(context.Background(), layer("v", "s", "q"), TrackOptions{})
			return err
		}},
		{"no layers", func() error { _, err := r.PublishSimulcast(context.Background(), nil, TrackOptions{}); return err }},
		{"four layers", func() error {
			_, err := r.PublishSimulcast(context.Background(), []*webrtc.TrackLocalStaticRTP{layer("v", "s", "q"), layer("v", "s", "h"), layer("v", "s", "f"), layer("v", "s", "x")}, TrackOptions{})
			return err
		}},
		{"bad rid", func() error {
			_, err := r.PublishSimulcast(context.Background(), []*webrtc.TrackLocalStaticRTP{layer("v", "s", "q"), layer("v", "s", "hi")}, TrackOptions{})
			return err
		}},
		{"duplicate rid", func() error {
			_, err := r.PublishSimulcast(context.Background(), []*webrtc.TrackLocalStaticRTP{layer("v", "s", "q"), layer("v", "s", "q")}, TrackOptions{})
			return err
		}},
		{"mixed track ids", func() error {
			_, err := r.PublishSimulcast(context.Background(), []*webrtc.TrackLocalStaticRTP{layer("v", "s", "q"), layer("w", "s", "h")}, TrackOptions{})
			return err
		}},
		{"audio simulcast", func() error {
			_, err := r.PublishSimulcast(context.Background(), []*webrtc.TrackLocalStaticRTP{opus}, TrackOptions{})
			return err
		}},
		{"layer descriptions do not match", func() error {
			_, err := r.PublishSimulcast(context.Background(), []*webrtc.TrackLocalStaticRTP{layer("v", "s", "q"), layer("v", "s", "f")},
				TrackOptions{Layers: []*parleypb.SimulcastLayer{{Rid: "f"}, {Rid: "q"}}})
			return err
		}},
	}
	for _, tt := range tests {
		if err := tt.pub(); !errors.Is(err, ErrInvalidTrack) {
			t.Errorf("%s: err = %v, want ErrInvalidTrack", tt.name, err)
		}
	}
}

func TestSimulcastLayers(t *testing.T) {
	got, err := simulcastLayers([]string{"q", "h", "f"}, TrackOptions{Width: 1280, Height: 720})
	if err != nil {
		t.Fatal(err)
	}
	want := []*parleypb.SimulcastLayer{
		{Quality: parleypb.VideoQuality_VIDEO_QUALITY_LOW, Rid: "q", Width: 320, Height: 180},
		{Quality: parleypb.VideoQuality_VIDEO_QUALITY_MEDIUM, Rid: "h", Width: 640, Height: 360},
		{Quality: parleypb.VideoQuality_VIDEO_QUALITY_HIGH, Rid: "f", Width: 1280, Height: 720},
	}
	for i := range want {
		if !protoEqual(got[i], want[i]) {
			t.Fatalf("layer %d = %v, want %v", i, got[i], want[i])
		}
	}
	given := []*parleypb.SimulcastLayer{{Rid: "q", Bitrate: 150_000}, {Rid: "f", Quality: parleypb.VideoQuality_VIDEO_QUALITY_HIGH, Bitrate: 1_500_000}}
	got, err = simulcastLayers([]string{"q", "f"}, TrackOptions{Layers: given})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].GetQuality() != parleypb.VideoQuality_VIDEO_QUALITY_LOW || got[1].GetBitrate() != 1_500_000 || given[0].GetQuality() != 0 {
		t.Fatalf("given layers: %v (input %v)", got, given)
	}
}

func newVP8Track(t *testing.T, id string) *webrtc.TrackLocalStaticSample {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, id, "stream-"+id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
