package client

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// wait is how long a test waits for something that should happen at once.
const wait = 10 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// checkLeaks fails the test if goroutines started during it are still
// running once all its cleanups (fake servers included) have run.
func checkLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// fakeServer is a signaling endpoint on loopback that speaks both
// transports and hands each session to the test.
type fakeServer struct {
	grpcURL  string // grpc://127.0.0.1:port
	wsURL    string // ws://127.0.0.1:port/signal
	httpURL  string // http://127.0.0.1:port
	sessions chan *fakeSession
}

// fakeSession is one client stream as the server sees it.
type fakeSession struct {
	reqs chan *parleypb.SignalRequest // closed when the client's side ends
	send func(*parleypb.SignalResponse) error
	mu   sync.Mutex // serializes send
	end  chan struct{}
	once sync.Once
	// raw holds, for WebSocket sessions, every text frame received.
	raw chan string
	// frame sends a WebSocket frame as is (WebSocket sessions only).
	frame func(websocket.MessageType, []byte) error
}

func newFakeSession(send func(*parleypb.SignalResponse) error) *fakeSession {
	return &fakeSession{
		reqs: make(chan *parleypb.SignalRequest, 1024),
		send: send,
		end:  make(chan struct{}),
		raw:  make(chan string, 1024),
	}
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	s := &fakeServer{sessions: make(chan *fakeSession, 16)}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	parleypb.RegisterSignalServer(gs, fakeSignal{s: s})
	served := make(chan struct{})
	go func() { defer close(served); _ = gs.Serve(lis) }()
	t.Cleanup(func() { gs.Stop(); <-served })
	s.grpcURL = "grpc://" + lis.Addr().String()

	hs := httptest.NewServer(http.HandlerFunc(s.serveWS))
	t.Cleanup(hs.Close)
	s.httpURL = hs.URL
	s.wsURL = "ws" + strings.TrimPrefix(hs.URL, "http") + "/signal"
	return s
}

type fakeSignal struct {
	parleypb.UnimplementedSignalServer
	s *fakeServer
}

func (f fakeSignal) Connect(stream grpc.BidiStreamingServer[parleypb.SignalRequest, parleypb.SignalResponse]) error {
	sess := newFakeSession(stream.Send)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(sess.reqs)
		for {
			req, err := stream.Recv()
			if err != nil {
				return
			}
			sess.reqs <- req
		}
	}()
	f.s.sessions <- sess
	select {
	case <-sess.end:
	case <-readerDone:
	}
	return nil
}

func (s *fakeServer) serveWS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/signal" {
		http.NotFound(w, r)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(maxMessageSize)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sess := newFakeSession(func(resp *parleypb.SignalResponse) error {
		b, err := protojson.Marshal(resp)
		if err != nil {
			return err
		}
		return c.Write(ctx, websocket.MessageText, b)
	})
	sess.frame = func(typ websocket.MessageType, b []byte) error { return c.Write(ctx, typ, b) }
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(sess.reqs)
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			if typ != websocket.MessageText {
				_ = c.Close(websocket.StatusUnsupportedData, "text frames only")
				return
			}
			sess.raw <- string(b)
			req := &parleypb.SignalRequest{}
			if err := protojson.Unmarshal(b, req); err != nil {
				_ = c.Close(websocket.StatusInvalidFramePayloadData, err.Error())
				return
			}
			sess.reqs <- req
		}
	}()
	s.sessions <- sess
	select {
	case <-sess.end:
		_ = c.Close(websocket.StatusNormalClosure, "")
	case <-readerDone:
	}
	cancel()
	<-readerDone
	_ = c.CloseNow()
}

func (s *fakeServer) accept(t *testing.T) *fakeSession {
	t.Helper()
	select {
	case sess := <-s.sessions:
		t.Cleanup(sess.close)
		return sess
	case <-time.After(wait):
		t.Fatal("no session")
		return nil
	}
}

func (f *fakeSession) close() { f.once.Do(func() { close(f.end) }) }

func (f *fakeSession) respond(t *testing.T, resp *parleypb.SignalResponse) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.send(resp); err != nil {
		t.Errorf("fake server send: %v", err)
	}
}

// next returns the next request, answering pings on the way.
func (f *fakeSession) next(t *testing.T) *parleypb.SignalRequest {
	t.Helper()
	for {
		select {
		case req, ok := <-f.reqs:
			if !ok {
				t.Fatal("client stream ended")
			}
			if p := req.GetPing(); p != nil {
				f.respond(t, &parleypb.SignalResponse{Message: &parleypb.SignalResponse_Pong{
					Pong: &parleypb.Pong{Timestamp: p.GetTimestamp(), ServerTime: time.Now().UnixMilli()},
				}})
				continue
			}
			return req
		case <-time.After(wait):
			t.Fatal("no request from the client")
			return nil
		}
	}
}

// expect returns the next request for which match is true, skipping
// trickles and answering pings.
func (f *fakeSession) expect(t *testing.T, what string, match func(*parleypb.SignalRequest) bool) *parleypb.SignalRequest {
	t.Helper()
	for {
		req := f.next(t)
		if match(req) {
			return req
		}
		if req.GetTrickle() == nil {
			t.Fatalf("want %s, got %v", what, req)
		}
	}
}

// join answers the JoinRequest with resp and returns the request.
func (f *fakeSession) join(t *testing.T, resp *parleypb.JoinResponse) *parleypb.JoinRequest {
	t.Helper()
	req := f.next(t)
	if req.GetJoin() == nil {
		t.Fatalf("first request %v, want join", req)
	}
	f.respond(t, &parleypb.SignalResponse{RequestId: req.GetRequestId(), Message: &parleypb.SignalResponse_Join{Join: resp}})
	return req.GetJoin()
}

func basicJoin() *parleypb.JoinResponse {
	return &parleypb.JoinResponse{
		Room:        &parleypb.RoomInfo{Sid: "RM_1", Name: "standup"},
		Participant: &parleypb.ParticipantInfo{Sid: "PA_me", Identity: "me", Name: "Me"},
		OtherParticipants: []*parleypb.ParticipantInfo{{
			Sid: "PA_bob", Identity: "bob", Name: "Bob",
			Tracks: []*parleypb.TrackInfo{{Sid: "TR_cam", ParticipantSid: "PA_bob", ParticipantIdentity: "bob",
				Kind: parleypb.TrackKind_TRACK_KIND_VIDEO, Source: parleypb.TrackSource_TRACK_SOURCE_CAMERA}},
		}},
		ServerVersion: "test",
		PingInterval:  30,
		PingTimeout:   60,
		ResumeToken:   "resume-1",
	}
}

// connect joins through srv's transport at url and returns both ends.
func connect(t *testing.T, srv *fakeServer, url string, join *parleypb.JoinResponse, opts ...Option) (*Room, *fakeSession) {
	t.Helper()
	type result struct {
		r   *Room
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := Connect(context.Background(), url, "token-1", opts...)
		done <- result{r, err}
	}()
	sess := srv.accept(t)
	sess.join(t, join)
	res := <-done
	if res.err != nil {
		t.Fatalf("Connect: %v", res.err)
	}
	t.Cleanup(func() { _ = res.r.Close() })
	return res.r, sess
}

// nextEvent returns the next event that is not one of the skipped types.
func nextEvent(t *testing.T, r *Room, skip ...func(Event) bool) Event {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-r.Events():
			if !ok {
				t.Fatal("events closed")
			}
			skipped := false
			for _, s := range skip {
				skipped = skipped || s(ev)
			}
			if !skipped {
				return ev
			}
		case <-timeout:
			t.Fatal("no event")
			return nil
		}
	}
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
