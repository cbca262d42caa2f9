package signaling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-sfu/parley/auth"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
)

// errPingTimeout ends a session whose client went silent.
var errPingTimeout = errors.New("signaling: no message from the client within the ping timeout")

// errLeft ends a session after a leave (either side).
var errLeft = errors.New("signaling: participant left")

// errResumed ends a session whose participant another connection resumed.
var errResumed = errors.New("signaling: session resumed on another connection")

// session is one client's signaling connection, on either transport.
//
// Goroutines: the reader (the caller of run) handles requests in order; the
// writer sends everything queued for the participant; the watchdog ends
// silent sessions. Whichever notices the end first cancels ctx with a
// cause; run then lets the participant go and returns. A participant that
// left is gone; one whose connection merely dropped is detached and may be
// resumed by a new session within the room's resume grace (see member).
type session struct {
	svc      *Service
	t        transport
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelCauseFunc
	released chan struct{} // closed when the writer stopped and the member was let go

	m        *member // set by the join; its participant and queue
	p        *room.Participant
	out      *outQueue
	claims   *auth.Claims
	lastRecv atomic.Int64 // unix nanos of the last message from the client
	left     atomic.Bool  // the participant already left the room
}

func (svc *Service) newSession(t transport, transportName string) *session {
	ctx, cancel := context.WithCancelCause(t.Context())
	s := &session{
		svc:      svc,
		t:        t,
		log:      svc.log.With("transport", transportName),
		ctx:      ctx,
		cancel:   cancel,
		released: make(chan struct{}),
	}
	s.lastRecv.Store(time.Now().UnixNano())
	return s
}

// attached records the member the join made or resumed.
func (s *session) attached(m *member, claims *auth.Claims) {
	s.m, s.p, s.out, s.claims = m, m.p, m.out, claims
}

// run serves the session until it ends and returns why.
func (s *session) run() error {
	defer s.cancel(nil)
	if requestID, err := s.join(); err != nil {
		defer close(s.released)
		if s.m != nil {
			s.m.release(s, s.detach) // the join response could not be sent
		}
		_ = s.sendNow(errorResponse(err, requestID))
		s.t.Close(clientMessage(err))
		s.log.Info("join refused", "err", err)
		return err
	}
	s.log = s.log.With("room", s.p.Room().Name(), "participant", s.p.Identity())

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.writeLoop() }()
	go func() { defer wg.Done(); s.watchdog() }()
	go s.readLoop() // see the end of run

	<-s.ctx.Done()
	cause := context.Cause(s.ctx)
	if errors.Is(cause, errResumed) {
		s.t.Abort() // unblock a writer stuck on a dead connection
	}
	wg.Wait()
	s.letGo(cause)
	close(s.released)
	s.t.Close(closeReason(cause))
	// The reader goroutine ends once the transport is closed (WebSocket) or
	// the gRPC handler has returned; it touches nothing after that.
	s.log.Info("session ended", "cause", cause)
	return cause
}

// letGo ends the session's hold on its participant: one that left is
// forgotten, one whose client was too slow (events were lost) leaves, and
// one whose connection dropped is detached, awaiting a resume.
func (s *session) letGo(cause error) {
	switch {
	case errors.Is(cause, errResumed):
		return
	case s.left.Load():
		s.m.release(s, nil)
		s.svc.members.remove(s.m)
	case errors.Is(cause, ErrSlowClient):
		s.m.release(s, nil)
		s.svc.members.remove(s.m)
		s.p.Leave(room.LeaveConnectionLost)
	default:
		s.m.release(s, s.detach)
	}
}

func (s *session) detach() {
	s.out.detach()
	s.p.Detach()
}

// takeOver ends a session whose participant a new connection resumes, and
// waits (briefly) until its writer stopped.
func (s *session) takeOver() {
	s.cancel(errResumed)
	select {
	case <-s.released:
	case <-time.After(takeoverWait):
		s.log.Warn("replaced session still writing")
	}
}

// join reads and handles the first message, which must be a join. It
// returns the request id of that message, for the error response.
func (s *session) join() (uint32, error) {
	type result struct {
		req *pb.SignalRequest
		err error
	}
	got := make(chan result, 1)
	go func() {
		req, err := s.t.Recv()
		got <- result{req, err}
	}()
	var res result
	select {
	case res = <-got:
	case <-time.After(s.svc.cfg.JoinTimeout):
		return 0, fmt.Errorf("%w: no join within %s", ErrNotJoined, s.svc.cfg.JoinTimeout)
	case <-s.ctx.Done():
		return 0, context.Cause(s.ctx)
	}
	if res.err != nil {
		return 0, res.err
	}
	id := res.req.GetRequestId()
	join := res.req.GetJoin()
	if join == nil {
		return id, ErrNotJoined
	}
	resp, err := s.svc.join(s, join)
	if err != nil {
		return id, err
	}
	resp.RequestId = id
	// Sent before the writer starts, so it precedes every queued event.
	return id, s.sendNow(resp)
}

func (s *session) sendNow(resp *pb.SignalResponse) error {
	if err := s.t.Send(resp); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// readLoop handles requests until the transport fails or the session ends.
func (s *session) readLoop() {
	for {
		req, err := s.t.Recv()
		if s.ctx.Err() != nil {
			return
		}
		switch {
		case errors.Is(err, ErrMessageTooLarge), errors.Is(err, ErrMalformedMessage):
			s.lastRecv.Store(time.Now().UnixNano())
			s.out.respond(errorResponse(err, 0))
			continue
		case err != nil:
			if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("receive: %w", err)
			}
			s.cancel(err)
			return
		}
		s.lastRecv.Store(time.Now().UnixNano())
		if err := s.handle(req); err != nil {
			s.out.respond(errorResponse(err, req.GetRequestId()))
		}
	}
}

// writeLoop sends queued events and responses in order. What it took but
// could not send goes back to the queue, for a session that resumes.
func (s *session) writeLoop() {
	var buf []outItem
	for {
		items, epoch, overflowed, err := s.out.take(s.ctx, buf)
		if err != nil {
			return
		}
		if overflowed {
			s.cancel(ErrSlowClient)
			return
		}
		for i, it := range items {
			if s.ctx.Err() != nil {
				s.out.pushFront(items[i:], epoch)
				return
			}
			resp := it.resp
			if resp == nil {
				if resp = eventToPB(it.event, s.m); resp == nil {
					continue
				}
			}
			if err := s.t.Send(resp); err != nil {
				// The client may or may not have it: a resumed session
				// sends it again.
				s.out.pushFront(items[i:], epoch)
				s.cancel(fmt.Errorf("send: %w", err))
				return
			}
			if resp.GetLeave() != nil {
				// The server made the participant leave, or confirmed its
				// own leave: nothing follows.
				s.left.Store(true)
				s.cancel(errLeft)
				return
			}
		}
		buf = items
	}
}

// watchdog ends the session when the client stays silent too long.
func (s *session) watchdog() {
	tick := time.NewTicker(s.svc.cfg.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, s.lastRecv.Load())) > s.svc.cfg.PingTimeout {
				s.cancel(errPingTimeout)
				return
			}
		}
	}
}

func errorResponse(err error, requestID uint32) *pb.SignalResponse {
	return &pb.SignalResponse{
		RequestId: requestID,
		Message: &pb.SignalResponse_Error{Error: &pb.ErrorResponse{
			Code:      errorCode(err),
			Message:   clientMessage(err),
			RequestId: requestID,
		}},
	}
}

func closeReason(cause error) string {
	switch {
	case cause == nil, errors.Is(cause, errLeft):
		return "left"
	case errors.Is(cause, errPingTimeout):
		return "ping timeout"
	case errors.Is(cause, ErrSlowClient):
		return "client too slow"
	case errors.Is(cause, errResumed):
		return "resumed on another connection"
	}
	return "closed"
}
