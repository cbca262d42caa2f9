package server_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/internal/testutil"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/server"
)

const meeting = "meeting"

// bystanders are two participants exchanging media while a test throws
// bad input at the server: they must not notice.
type bystanders struct {
	srv      *server.Server
	bob      *testutil.Participant
	aliceSid string // alice's video track
}

func startBystanders(t *testing.T) *bystanders {
	t.Helper()
	srv := testutil.StartServer(t)
	ctx := t.Context()
	sendCtx, stop := context.WithCancel(ctx)
	var senders sync.WaitGroup
	t.Cleanup(func() { stop(); senders.Wait() })

	alice, err := client.Connect(ctx, "grpc://"+srv.GRPCAddr(), testutil.Token(t, meeting, "alice", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = alice.Close() })
	track, err := testutil.SyntheticTrack(webrtc.RTPCodecTypeVideo, "alice-cam", "alice")
	if err != nil {
		t.Fatal(err)
	}
	lt, err := alice.PublishTrack(ctx, track, client.TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.SendSynthetic(sendCtx, &senders, track, "alice/video")

	bobRoom, err := client.Connect(ctx, "ws://"+srv.HTTPAddr()+"/signal", testutil.Token(t, meeting, "bob", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	bob := testutil.Watch("bob", bobRoom)
	t.Cleanup(func() { _ = bobRoom.Close(); bob.Wait() })
	// Bob publishes too, so both bystanders have both PeerConnections up
	// before a test starts (leak checks compare against that state).
	mic, err := testutil.SyntheticTrack(webrtc.RTPCodecTypeAudio, "bob-mic", "bob")
	if err != nil {
		t.Fatal(err)
	}
	bobMic, err := bobRoom.PublishTrack(ctx, mic, client.TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.SendSynthetic(sendCtx, &senders, mic, "bob/audio")
	aliceView := testutil.Watch("alice", alice)
	t.Cleanup(func() { _ = alice.Close(); aliceView.Wait() })
	testutil.Eventually(t, 10*time.Second, func() bool { return aliceView.Received(bobMic.Sid()).Intact > 5 }, "alice never received bob's audio")
	b := &bystanders{srv: srv, bob: bob, aliceSid: lt.Sid()}
	b.check(t)
	return b
}

// check asserts bob still receives alice's video and a new participant can
// still join.
func (b *bystanders) check(t *testing.T) {
	t.Helper()
	before := b.bob.Received(b.aliceSid).Intact
	testutil.Eventually(t, 10*time.Second, func() bool { return b.bob.Received(b.aliceSid).Intact >= before+10 },
		"bob stopped receiving alice's video: %v", b.bob.Received(b.aliceSid))
	probe, err := client.Connect(t.Context(), "grpc://"+b.srv.GRPCAddr(), testutil.Token(t, meeting, "probe", testutil.AllGrants()))
	if err != nil {
		t.Fatalf("a new participant cannot join: %v", err)
	}
	if err := probe.Leave(t.Context()); err != nil {
		t.Fatalf("probe leave: %v", err)
	}
}

func signed(t *testing.T, key, secret string, c auth.Claims) string {
	t.Helper()
	tok, err := auth.Sign(key, secret, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestBadTokens(t *testing.T) {
	b := startBystanders(t)
	now := time.Now()
	valid := auth.Claims{Identity: "mallory", Room: meeting, Grants: testutil.AllGrants(), IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	expired := valid
	expired.IssuedAt, expired.ExpiresAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
	otherRoom := valid
	otherRoom.Room = "elsewhere"
	noJoin := valid
	noJoin.Grants.Join = false

	tests := []struct {
		name  string
		token string
		room  string // JoinRequest.room
		code  pb.ErrorCode
	}{
		{"missing", "", "", pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED},
		{"malformed", "not.a.jwt", "", pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED},
		{"expired", signed(t, server.DevAPIKey, server.DevAPISecret, expired), "", pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED},
		{"wrongly signed", signed(t, server.DevAPIKey, "not-the-secret", valid), "", pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED},
		{"unknown key", signed(t, "nokey", server.DevAPISecret, valid), "", pb.ErrorCode_ERROR_CODE_UNAUTHENTICATED},
		{"for another room", signed(t, server.DevAPIKey, server.DevAPISecret, otherRoom), meeting, pb.ErrorCode_ERROR_CODE_PERMISSION_DENIED},
		{"without join grant", signed(t, server.DevAPIKey, server.DevAPISecret, noJoin), "", pb.ErrorCode_ERROR_CODE_PERMISSION_DENIED},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/grpc", func(t *testing.T) {
			c := dialRaw(t, b.srv)
			c.send(&pb.SignalRequest{RequestId: 3, Message: &pb.SignalRequest_Join{Join: &pb.JoinRequest{Token: tt.token, Room: tt.room}}})
			c.expectError(tt.code, 3)
			if err := c.expectEnd(); err != nil {
				t.Fatalf("stream ended with %v, want a clean end", err)
			}
		})
		if tt.room != "" || tt.token == "" {
			continue // the SDK names no room, and refuses an empty token itself
		}
		t.Run(tt.name+"/websocket", func(t *testing.T) {
			_, err := client.Connect(t.Context(), "ws://"+b.srv.HTTPAddr()+"/signal", tt.token)
			var perr *client.Error
			if !errors.As(err, &perr) || perr.Code != tt.code || perr.Message == "" {
				t.Fatalf("Connect = %v, want a *client.Error with %v", err, tt.code)
			}
		})
	}
	b.check(t)
}

func TestPublishWithoutGrant(t *testing.T) {
	b := startBystanders(t)
	ctx := t.Context()
	viewer, err := client.Connect(ctx, "grpc://"+b.srv.GRPCAddr(), testutil.Token(t, meeting, "viewer", auth.Grants{Join: true, Subscribe: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	track, _ := testutil.SyntheticTrack(webrtc.RTPCodecTypeVideo, "cam", "viewer")
	_, err = viewer.PublishTrack(ctx, track, client.TrackOptions{})
	var perr *client.Error
	if !errors.As(err, &perr) || perr.Code != pb.ErrorCode_ERROR_CODE_PERMISSION_DENIED {
		t.Fatalf("PublishTrack = %v, want PERMISSION_DENIED", err)
	}
	if err := viewer.SendChat("hi"); err != nil {
		t.Fatalf("SendChat: %v", err)
	}
	testutil.Watch("viewer", viewer).WaitEvent(t, 5*time.Second, "an error for chat without the publishData grant", func(ev client.Event) bool {
		e, ok := ev.(client.ErrorReceived)
		return ok && e.Err.Code == pb.ErrorCode_ERROR_CODE_PERMISSION_DENIED
	})
	b.check(t)
}

func TestMalformedRequests(t *testing.T) {
	b := startBystanders(t)
	c := dialRaw(t, b.srv)
	c.join(testutil.Token(t, meeting, "fuzzy", testutil.AllGrants()))

	c.send(&pb.SignalRequest{RequestId: 11, Message: &pb.SignalRequest_Offer{Offer: &pb.SessionDescription{Type: "offer", Sdp: "v=0\r\nthis is not sdp\r\n"}}})
	if e := c.expectError(pb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, 11); !strings.Contains(e.GetMessage(), "session description") {
		t.Errorf("malformed SDP message %q does not say what was wrong", e.GetMessage())
	}
	c.send(&pb.SignalRequest{RequestId: 12, Message: &pb.SignalRequest_Answer{Answer: &pb.SessionDescription{Type: "offer", Sdp: "x"}}})
	c.expectError(pb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, 12)
	c.send(&pb.SignalRequest{RequestId: 13, Message: &pb.SignalRequest_Trickle{Trickle: &pb.TrickleRequest{CandidateInit: "{not json"}}})
	c.expectError(pb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, 13)
	c.send(&pb.SignalRequest{RequestId: 14, Message: &pb.SignalRequest_Subscription{Subscription: &pb.UpdateSubscriptionRequest{
		Tracks: []*pb.TrackSubscription{{TrackSid: "TR_doesnotexist", Subscribe: true}},
	}}})
	c.expectError(pb.ErrorCode_ERROR_CODE_NOT_FOUND, 14)
	c.send(&pb.SignalRequest{RequestId: 15, Message: &pb.SignalRequest_AddTrack{AddTrack: &pb.AddTrackRequest{Cid: "x", Kind: pb.TrackKind_TRACK_KIND_AUDIO, Source: pb.TrackSource_TRACK_SOURCE_CAMERA}}})
	c.expectError(pb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, 15)

	// An unknown message type: a field this server does not know.
	unknown := &pb.SignalRequest{RequestId: 16}
	unknown.ProtoReflect().SetUnknown(protowire.AppendBytes(protowire.AppendTag(nil, 99, protowire.BytesType), []byte("from the future")))
	c.send(unknown)
	c.expectError(pb.ErrorCode_ERROR_CODE_UNSUPPORTED_MESSAGE, 16)

	// Too large, but within what the transport takes: refused, session goes on.
	c.send(&pb.SignalRequest{RequestId: 17, Message: &pb.SignalRequest_Data{Data: &pb.SendDataRequest{Topic: "chat", Text: strings.Repeat("x", 100<<10)}}})
	c.expectError(pb.ErrorCode_ERROR_CODE_MESSAGE_TOO_LARGE, 0)
	c.ping()
	b.check(t)

	// Far too large: the transport itself refuses it and ends the stream.
	c.send(&pb.SignalRequest{Message: &pb.SignalRequest_Data{Data: &pb.SendDataRequest{Text: strings.Repeat("x", 1<<20)}}})
	if err := c.expectEnd(); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("stream ended with %v, want ResourceExhausted", err)
	}
	b.check(t)
}

func TestMalformedWebSocketFrames(t *testing.T) {
	b := startBystanders(t)
	ctx := t.Context()
	conn, _, err := websocket.Dial(ctx, "ws://"+b.srv.HTTPAddr()+"/signal", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	write := func(s string) {
		if err := conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	// read returns the next frame that is not a trickle or offer.
	read := func() string {
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(data); !strings.Contains(s, `"trickle"`) && !strings.Contains(s, `"offer"`) {
				return s
			}
		}
	}
	write(`{"join":{"token":"` + testutil.Token(t, meeting, "jsonista", testutil.AllGrants()) + `"}}`)
	if got := read(); !strings.Contains(got, `"join"`) {
		t.Fatalf("join answered with %s", got)
	}
	for _, tc := range []struct{ frame, want string }{
		{`{nope`, "ERROR_CODE_INVALID_ARGUMENT"},
		{`{"requestId":7,"teleport":{"to":"mars"}}`, "ERROR_CODE_UNSUPPORTED_MESSAGE"},
		{`{"requestId":8,"offer":{"type":"offer","sdp":""}}`, "ERROR_CODE_INVALID_ARGUMENT"},
		{`{"requestId":9,"ping":{"timestamp":"5"}}`, `"pong"`},
	} {
		write(tc.frame)
		if got := read(); !strings.Contains(got, tc.want) {
			t.Errorf("%s answered with %s, want %s", tc.frame, got, tc.want)
		}
	}
	b.check(t)
}

// TestVanishedClient: a client that disappears without leaving is gone for
// the others within seconds, and nothing of it stays behind.
func TestVanishedClient(t *testing.T) {
	b := startBystanders(t)
	ctx := t.Context()
	before := goleak.IgnoreCurrent()
	pcs := b.srv.PeerConnections()

	carol, err := client.Connect(ctx, "grpc://"+b.srv.GRPCAddr(), testutil.Token(t, meeting, "carol", testutil.AllGrants()))
	if err != nil {
		t.Fatal(err)
	}
	sendCtx, stop := context.WithCancel(ctx)
	var senders sync.WaitGroup
	track, _ := testutil.SyntheticTrack(webrtc.RTPCodecTypeAudio, "carol-mic", "carol")
	lt, err := carol.PublishTrack(ctx, track, client.TrackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.SendSynthetic(sendCtx, &senders, track, "carol/audio")
	testutil.Eventually(t, 10*time.Second, func() bool { return b.bob.Received(lt.Sid()).Intact > 10 }, "bob never received carol's audio")

	// Vanish: the stream and the connections close without a leave.
	_ = carol.Close()
	vanished := time.Now()
	stop()
	senders.Wait()
	b.bob.WaitEvent(t, 5*time.Second, "carol gone", func(ev client.Event) bool {
		l, ok := ev.(client.ParticipantLeft)
		return ok && l.Participant.GetIdentity() == "carol"
	})
	b.bob.WaitEvent(t, time.Second, "carol's track unpublished", func(ev client.Event) bool {
		u, ok := ev.(client.TrackUnpublished)
		return ok && u.Track.GetSid() == lt.Sid()
	})
	t.Logf("carol was gone for bob %s after she vanished", time.Since(vanished).Round(time.Millisecond))
	testutil.Eventually(t, 5*time.Second, func() bool { return b.srv.PeerConnections() == pcs },
		"the server has %d PeerConnections open, %d before carol came", b.srv.PeerConnections(), pcs)
	deadline := time.Now().Add(10 * time.Second)
	for leak := goleak.Find(before); leak != nil; leak = goleak.Find(before) {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines of carol's session stayed behind: %v", leak)
		}
	}
	b.check(t)
}
