package client

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// transports lists a URL of every transport form the fake server answers.
func transports(srv *fakeServer) map[string]string {
	return map[string]string{
		"grpc":      srv.grpcURL,
		"bare":      srv.grpcURL[len("grpc://"):],
		"websocket": srv.wsURL,
		"http":      srv.httpURL,
	}
}

func TestSessionOverEachTransport(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	for name, url := range transports(srv) {
		t.Run(name, func(t *testing.T) {
			type result struct {
				r   *Room
				err error
			}
			done := make(chan result, 1)
			go func() {
				r, err := Connect(context.Background(), url, "token-1", WithClientInfo("loadtest", "9"))
				done <- result{r, err}
			}()
			sess := srv.accept(t)
			jr := sess.join(t, basicJoin())
			res := <-done
			if res.err != nil {
				t.Fatal(res.err)
			}
			r := res.r
			wantJoin := &parleypb.JoinRequest{Token: "token-1", AutoSubscribe: ptr(true), Client: &parleypb.ClientInfo{Sdk: "loadtest", Version: "9"}}
			if !protoEqual(jr, wantJoin) {
				t.Fatalf("JoinRequest = %v, want %v", jr, wantJoin)
			}
			if got := r.Info().GetName(); got != "standup" {
				t.Errorf("room name %q", got)
			}
			if got := r.LocalParticipant().GetSid(); got != "PA_me" {
				t.Errorf("local sid %q", got)
			}
			if got := r.Participant("bob").GetSid(); got != "PA_bob" {
				t.Errorf("bob's sid %q", got)
			}
			if r.ResumeToken() != "resume-1" || r.JoinResponse().GetServerVersion() != "test" {
				t.Errorf("join response not kept: %v", r.JoinResponse())
			}

			if err := r.SendChat("hi", "bob"); err != nil {
				t.Fatal(err)
			}
			data := sess.expect(t, "data", func(q *parleypb.SignalRequest) bool { return q.GetData() != nil }).GetData()
			if want := (&parleypb.SendDataRequest{Topic: "chat", Text: "hi", DestinationIdentities: []string{"bob"}}); !protoEqual(data, want) {
				t.Fatalf("data = %v, want %v", data, want)
			}
			if err := r.UpdateParticipant(ParticipantUpdate{Attributes: map[string]string{"hand_raised": "1"}}); err != nil {
				t.Fatal(err)
			}
			up := sess.expect(t, "update", func(q *parleypb.SignalRequest) bool { return q.GetUpdateParticipant() != nil }).GetUpdateParticipant()
			if up.GetAttributes()["hand_raised"] != "1" {
				t.Fatalf("update = %v", up)
			}

			sess.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_Data{Data: &parleypb.DataReceived{
				Id: "D1", Topic: "chat", Text: "hello", FromSid: "PA_bob", FromIdentity: "bob", FromName: "Bob", Timestamp: 1700000000123,
			}}})
			want := DataReceived{ID: "D1", Topic: "chat", Text: "hello", FromSid: "PA_bob", FromIdentity: "bob", FromName: "Bob",
				Time: time.UnixMilli(1700000000123)}
			if got := nextEvent(t, r); !reflect.DeepEqual(got, want) {
				t.Fatalf("event %#v, want %#v", got, want)
			}

			// Leave: the server acknowledges and ends the stream.
			go func() {
				sess.expect(t, "leave", func(q *parleypb.SignalRequest) bool { return q.GetLeave() != nil })
				sess.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_Leave{Leave: &parleypb.LeaveResponse{
					Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST,
				}}})
				sess.close()
			}()
			if err := r.Leave(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := nextEvent(t, r)
			if d, ok := got.(Disconnected); !ok || d.Reason != parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST || d.Err != nil {
				t.Fatalf("last event %#v, want Disconnected(CLIENT_REQUEST)", got)
			}
			if _, ok := <-r.Events(); ok {
				t.Fatal("events not closed after Disconnected")
			}
			if err := r.SendChat("late"); !errors.Is(err, ErrClosed) {
				t.Fatalf("SendChat after leave: %v", err)
			}
			if err := r.Leave(context.Background()); !errors.Is(err, ErrClosed) {
				t.Fatalf("second Leave: %v", err)
			}
		})
	}
}

func TestWebSocketFraming(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.wsURL, basicJoin())

	var join map[string]any
	if err := json.Unmarshal([]byte(<-sess.raw), &join); err != nil {
		t.Fatal(err)
	}
	// protobuf JSON mapping: lowerCamelCase names, one message per frame.
	want := map[string]any{
		"requestId": float64(1),
		"join": map[string]any{"token": "token-1", "autoSubscribe": true,
			"client": map[string]any{"sdk": sdkName, "version": sdkVersion}},
	}
	if !reflect.DeepEqual(join, want) {
		t.Fatalf("join frame %v, want %v", join, want)
	}

	if err := r.Subscribe("TR_cam", SubscriptionPrefs{Width: 320, Height: 180, Paused: true}); err != nil {
		t.Fatal(err)
	}
	sess.expect(t, "subscription", func(q *parleypb.SignalRequest) bool { return q.GetSubscription() != nil })
	var sub map[string]any
	for raw := range sess.raw {
		if err := json.Unmarshal([]byte(raw), &sub); err != nil {
			t.Fatal(err)
		}
		if sub["subscription"] != nil {
			break
		}
	}
	wantSub := map[string]any{"tracks": []any{map[string]any{
		"trackSid": "TR_cam", "subscribe": true, "width": float64(320), "height": float64(180), "paused": true}}}
	if !reflect.DeepEqual(sub["subscription"], wantSub) {
		t.Fatalf("subscription frame %v, want %v", sub["subscription"], wantSub)
	}

	// A binary frame breaks the contract: the client disconnects.
	if err := sess.frame(websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	d := lastEvent(t, r)
	if d.Reason != parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST || !errors.Is(d.Err, ErrProtocol) {
		t.Fatalf("disconnect %+v, want CONNECTION_LOST with ErrProtocol", d)
	}
}

func TestWebSocketMalformedJSON(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.wsURL, basicJoin())
	if err := sess.frame(websocket.MessageText, []byte(`{"pong": 5`)); err != nil {
		t.Fatal(err)
	}
	if d := lastEvent(t, r); !errors.Is(d.Err, ErrProtocol) {
		t.Fatalf("disconnect %+v, want ErrProtocol", d)
	}
}

// TestWebSocketUnknownFields checks forward compatibility: fields and
// messages a newer server adds are ignored.
func TestWebSocketUnknownFields(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	r, sess := connect(t, srv, srv.wsURL, basicJoin())
	frames := []string{
		`{"futureMessage": {"x": 1}}`,
		`{"roomUpdate": {"room": {"name": "standup", "numParticipants": 3, "futureField": true}}}`,
	}
	for _, f := range frames {
		if err := sess.frame(websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	got := nextEvent(t, r)
	if u, ok := got.(RoomUpdated); !ok || u.Room.GetNumParticipants() != 3 {
		t.Fatalf("event %#v, want RoomUpdated", got)
	}
}

// lastEvent reads events until the final Disconnected.
func lastEvent(t *testing.T, r *Room) Disconnected {
	t.Helper()
	ev := nextEvent(t, r, func(e Event) bool { _, ok := e.(Disconnected); return !ok })
	select {
	case <-r.Done():
	case <-time.After(wait):
		t.Fatal("room not done after Disconnected")
	}
	return ev.(Disconnected)
}

func TestConnectErrors(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	for name, url := range map[string]string{"grpc": srv.grpcURL, "websocket": srv.wsURL} {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				name   string
				server func(t *testing.T, s *fakeSession)
				check  func(t *testing.T, err error)
			}{
				{
					name: "refused token",
					server: func(t *testing.T, s *fakeSession) {
						req := s.next(t)
						s.respond(t, &parleypb.SignalResponse{RequestId: req.GetRequestId(), Message: &parleypb.SignalResponse_Error{Error: &parleypb.ErrorResponse{
							Code: parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "token expired", RequestId: req.GetRequestId(),
						}}})
						s.close()
					},
					check: func(t *testing.T, err error) {
						var perr *Error
						want := &Error{Code: parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED, Message: "token expired", RequestID: 1, Request: "join"}
						if !errors.As(err, &perr) || !reflect.DeepEqual(perr, want) {
							t.Fatalf("err = %#v, want %#v", err, want)
						}
						if !errors.Is(err, &Error{Code: parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED}) {
							t.Fatal("errors.Is by code does not match")
						}
					},
				},
				{
					name:   "stream ends without an answer",
					server: func(t *testing.T, s *fakeSession) { s.next(t); s.close() },
					check: func(t *testing.T, err error) {
						if !errors.Is(err, ErrConnectionLost) {
							t.Fatalf("err = %v, want ErrConnectionLost", err)
						}
					},
				},
				{
					name: "first answer is not a join",
					server: func(t *testing.T, s *fakeSession) {
						s.next(t)
						s.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_Pong{Pong: &parleypb.Pong{}}})
					},
					check: func(t *testing.T, err error) {
						if !errors.Is(err, ErrProtocol) {
							t.Fatalf("err = %v, want ErrProtocol", err)
						}
					},
				},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					done := make(chan error, 1)
					go func() {
						r, err := Connect(context.Background(), url, "tok")
						if r != nil {
							_ = r.Close()
						}
						done <- err
					}()
					tt.server(t, srv.accept(t))
					tt.check(t, <-done)
				})
			}
		})
	}
}

func TestConnectFailsFast(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	go func() { srv.accept(t) }() // accepts, never answers
	if _, err := Connect(ctx, srv.grpcURL, "tok"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent server: err = %v, want deadline exceeded", err)
	}

	tests := []struct {
		url, token string
		want       error
	}{
		{url: srv.grpcURL, token: "", want: ErrMissingToken},
		{url: "ftp://127.0.0.1", token: "tok", want: ErrInvalidURL},
		{url: "grpc://127.0.0.1:1", token: "tok", want: ErrConnectionLost},
		{url: "ws://127.0.0.1:1/signal", token: "tok", want: ErrConnectionLost},
		{url: srv.httpURL + "/nope/", token: "tok", want: ErrConnectionLost}, // 404
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		_, err := Connect(ctx, tt.url, tt.token)
		cancel()
		if !errors.Is(err, tt.want) {
			t.Errorf("Connect(%q, %q) = %v, want %v", tt.url, tt.token, err, tt.want)
		}
	}
}

func TestServerEndsSession(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	tests := []struct {
		name   string
		join   func() *parleypb.JoinResponse
		server func(t *testing.T, s *fakeSession)
		opts   []Option
		want   Disconnected
		errIs  error
	}{
		{
			name: "removed by the server",
			join: basicJoin,
			server: func(t *testing.T, s *fakeSession) {
				s.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_Leave{Leave: &parleypb.LeaveResponse{
					Reason: parleypb.LeaveReason_LEAVE_REASON_DUPLICATE_IDENTITY, Message: "joined elsewhere", CanReconnect: true,
				}}})
			},
			want: Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_DUPLICATE_IDENTITY, Message: "joined elsewhere", CanReconnect: true},
		},
		{
			name:   "stream dropped",
			join:   basicJoin,
			server: func(t *testing.T, s *fakeSession) { s.close() },
			opts:   []Option{WithReconnect(0)}, // resume_test.go resumes
			want:   Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST},
			errIs:  ErrConnectionLost,
		},
		{
			name: "pongs stop",
			join: func() *parleypb.JoinResponse {
				j := basicJoin()
				j.PingInterval, j.PingTimeout = 1, 1
				return j
			},
			server: func(t *testing.T, s *fakeSession) {}, // never answers pings
			opts:   []Option{WithReconnect(0)},
			want:   Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST},
			errIs:  ErrPingTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, sess := connect(t, srv, srv.grpcURL, tt.join(), tt.opts...)
			tt.server(t, sess)
			got := lastEvent(t, r)
			if tt.errIs != nil && !errors.Is(got.Err, tt.errIs) {
				t.Fatalf("Err = %v, want %v", got.Err, tt.errIs)
			}
			got.Err = nil
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if d, ok := r.Disconnected(); !ok || d.Reason != tt.want.Reason {
				t.Fatalf("Room.Disconnected() = %+v, %v", d, ok)
			}
			if err := r.SendChat("x"); !errors.Is(err, ErrClosed) {
				t.Fatalf("SendChat after disconnect: %v", err)
			}
			if _, err := r.WaitForTrack(context.Background(), "TR_x"); !errors.Is(err, ErrClosed) {
				t.Fatalf("WaitForTrack after disconnect: %v", err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPingPong(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	j := basicJoin()
	j.PingInterval, j.PingTimeout = 1, 3
	r, sess := connect(t, srv, srv.grpcURL, j)
	// Answer pings until four arrived: longer than the 3 s timeout.
	var pings atomic.Int32
	go func() {
		for req := range sess.reqs {
			if p := req.GetPing(); p != nil {
				pings.Add(1)
				sess.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_Pong{Pong: &parleypb.Pong{Timestamp: p.GetTimestamp()}}})
			}
		}
	}()
	eventually(t, "four pings", func() bool { return pings.Load() >= 4 })
	if _, done := r.Disconnected(); done {
		t.Fatal("disconnected although pongs arrived")
	}
	if r.RTT() < 0 || r.RTT() > time.Second {
		t.Fatalf("RTT %v", r.RTT())
	}
	_ = r.Close()
}

func ptr[T any](v T) *T { return &v }

func protoEqual(a, b proto.Message) bool { return proto.Equal(a, b) }

func TestJoinOptions(t *testing.T) {
	checkLeaks(t)
	srv := newFakeServer(t)
	done := make(chan *Room, 1)
	go func() {
		r, err := Connect(context.Background(), srv.wsURL, "tok", WithAutoSubscribe(false), WithResumeToken("resume-1"))
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	jr := srv.accept(t).join(t, basicJoin())
	want := &parleypb.JoinRequest{Token: "tok", AutoSubscribe: ptr(false), ResumeToken: "resume-1",
		Client: &parleypb.ClientInfo{Sdk: sdkName, Version: sdkVersion}}
	if !protoEqual(jr, want) {
		t.Fatalf("JoinRequest %v, want %v", jr, want)
	}
	if r := <-done; r != nil {
		_ = r.Close()
	}
}
