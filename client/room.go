package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// leaveWait bounds how long Leave waits for the server to acknowledge a
// LeaveRequest before closing the stream anyway.
const leaveWait = 2 * time.Second

// Room is a joined session: the signaling stream, the publisher and
// subscriber PeerConnections and the client's view of the room. Its
// methods are safe for concurrent use. Every goroutine it starts ends
// before Close (or Leave) returns.
type Room struct {
	cfg   config
	log   *slog.Logger
	ep    endpoint
	token string

	linkMu sync.Mutex
	link   *link                  // the signaling connection now
	join   *parleypb.JoinResponse // of the last join or resume

	ctx    context.Context // ends when the session ends
	cancel context.CancelFunc
	group  group

	reqs   *requests
	out    *outbox
	events *eventQueue
	state  *roomState
	pub    *publisher
	sub    *subscriber
	rids   *ridStamper

	lastPong atomic.Int64 // unix nanoseconds
	rtt      atomic.Int64 // nanoseconds
	leaving  atomic.Bool  // Leave was called: a lost connection is not resumed
	ice      iceWatch

	failOnce   sync.Once
	disc       Disconnected // written once by fail, read after done
	finishOnce sync.Once
	done       chan struct{}
}

// Connect joins a room on a Parley node. The URL picks the transport:
//
//	grpc://host:7890, host:7890          gRPC Signal.Connect
//	grpcs://host:7890                    the same over TLS
//	ws://host:7880/signal, wss://...     WebSocket (protobuf JSON)
//	http://host:7880, https://...        WebSocket at /signal
//
// ctx bounds the connection and the join handshake only; the Room lives
// until Close, Leave or a disconnect. A refused join returns the server's
// *Error (e.g. ERROR_CODE_UNAUTHENTICATED for a bad token).
func Connect(ctx context.Context, serverURL, token string, opts ...Option) (*Room, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if token == "" {
		return nil, ErrMissingToken
	}
	ep, err := parseURL(serverURL)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	r := &Room{
		cfg:    cfg,
		log:    cfg.logger.With("sdk", "parley-client"),
		ep:     ep,
		token:  token,
		ctx:    rctx,
		cancel: cancel,
		reqs:   newRequests(),
		out:    newOutbox(),
		events: newEventQueue(cfg.eventBuffer),
		done:   make(chan struct{}),
	}
	stop := context.AfterFunc(ctx, cancel)
	l, err := r.dialLink(token, cfg.resumeToken, 0)
	if !stop() {
		err = fmt.Errorf("client: connect: %w", context.Cause(ctx))
	}
	if err == nil {
		r.join = l.join
		err = r.setup(ep)
	}
	if err != nil {
		if l != nil {
			l.close()
		}
		if r.pub != nil {
			_ = r.pub.close()
		}
		if r.sub != nil {
			_ = r.sub.close()
		}
		cancel()
		return nil, err
	}
	r.startLink(l)
	return r, nil
}

// setup builds the PeerConnections and the state from the JoinResponse.
func (r *Room) setup(ep endpoint) error {
	r.rids = newRIDStamper()
	api, err := r.cfg.newAPI(r.cfg.loopbackFor(ep), r.rids)
	if err != nil {
		return err
	}
	rc := r.cfg.rtcConfiguration(r.join)
	r.state = newRoomState(r.join, r.events)
	if r.pub, err = newPublisher(r, api, rc); err != nil {
		return err
	}
	if r.sub, err = newSubscriber(r, api, rc); err != nil {
		return err
	}
	return nil
}

// fail ends the session once: no new goroutines, the context is
// cancelled, and teardown runs in the background (Close waits for it).
func (r *Room) fail(d Disconnected) {
	r.failOnce.Do(func() {
		r.disc = d
		if d.Err != nil {
			r.log.Info("disconnected", "reason", d.Reason, "err", d.Err)
		}
		r.group.stop()
		r.cancel()
		go r.finish()
	})
}

// finish tears the session down: stream, PeerConnections (which ends the
// RTCP readers), goroutines, waiters, and finally the event channel.
func (r *Room) finish() {
	r.finishOnce.Do(func() {
		r.cancel()
		if l := r.currentLink(); l != nil {
			l.close()
			// The reader may be applying an offer right now; pion creates
			// ICE agents lazily there, and one made after the close would
			// leak. Closing the transport ends the reader at its next Recv.
			l.wg.Wait()
		}
		if err := r.pub.close(); err != nil {
			r.log.Debug("close publisher", "err", err)
		}
		if err := r.sub.close(); err != nil {
			r.log.Debug("close subscriber", "err", err)
		}
		r.out.close()
		r.group.wait()
		r.state.close()
		r.events.close(r.disc)
		close(r.done)
	})
}

// Close ends the session without telling the server first (it sees the
// stream end); prefer Leave. It returns when every goroutine of the Room
// has ended. Calling it again is a no-op.
func (r *Room) Close() error {
	r.fail(Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST})
	r.finish()
	return nil
}

// Leave sends a LeaveRequest, waits (bounded by ctx and 2 s) for the server
// to acknowledge it, then closes like Close.
func (r *Room) Leave(ctx context.Context) error {
	r.leaving.Store(true)
	req := &parleypb.SignalRequest{Message: &parleypb.SignalRequest_Leave{Leave: &parleypb.LeaveRequest{
		Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST,
	}}}
	r.reqs.assign(req, false)
	written := make(chan error, 1)
	err := r.out.push(outgoing{req: req, written: written})
	if err == nil {
		select {
		case err = <-written:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err == nil {
		// The server's LeaveResponse (or the end of the stream) ends the
		// session.
		t := time.NewTimer(leaveWait)
		select {
		case <-r.ctx.Done():
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	_ = r.Close()
	if errors.Is(err, ErrClosed) {
		return ErrClosed
	}
	return err
}

// Done is closed when the session has ended and the Room is torn down.
func (r *Room) Done() <-chan struct{} { return r.done }

// Disconnected returns why the session ended, once Done is closed.
func (r *Room) Disconnected() (Disconnected, bool) {
	select {
	case <-r.done:
		return r.disc, true
	default:
		return Disconnected{}, false
	}
}

// Events delivers what happens in the room, in order, ending with one
// Disconnected after which the channel is closed. It holds up to the
// WithEventBuffer size (default 1024) unread events; while it is full, new
// events are discarded and reported by one EventsDropped in their place
// once there is room again. Disconnected is never discarded. The view
// (Participants, RemoteTracks, ...) is always current, whether or not
// events are read.
func (r *Room) Events() <-chan Event { return r.events.ch }

// sendAsync is send for internal requests (candidates, answers, pings)
// whose callers have nobody to report a closed room to.
func (r *Room) sendAsync(req *parleypb.SignalRequest) {
	if err := r.send(req); err != nil {
		r.log.Debug("request not sent", "kind", requestKind(req), "err", err)
	}
}

// send queues a request whose server errors are reported as events. It
// fails only when the room is closed or the queue is full.
func (r *Room) send(req *parleypb.SignalRequest) error {
	r.reqs.assign(req, false)
	return r.out.push(outgoing{req: req})
}

// call sends req and waits for the response carrying its request_id, an
// ErrorResponse (returned as *Error), the request timeout, ctx or the end
// of the session. assigned, if set, learns the request id before the
// request is queued.
func (r *Room) call(ctx context.Context, req *parleypb.SignalRequest, assigned func(uint32)) (*parleypb.SignalResponse, error) {
	id, ch := r.reqs.assign(req, true)
	kind := requestKind(req)
	defer r.reqs.forget(id)
	if assigned != nil {
		assigned(id)
	}
	if err := r.out.push(outgoing{req: req}); err != nil {
		return nil, err
	}
	t := time.NewTimer(r.cfg.requestTimeout)
	defer t.Stop()
	select {
	case resp := <-ch:
		if e := resp.GetError(); e != nil {
			return nil, errorFromResponse(e, id, kind)
		}
		return resp, nil
	case <-t.C:
		return nil, fmt.Errorf("%w: no answer to %s request #%d within %v", ErrTimeout, kind, id, r.cfg.requestTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.ctx.Done():
		return nil, ErrClosed
	}
}

// group starts goroutines tied to the Room so that teardown can wait for
// all of them; after stop it starts no more.
type group struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	stopped bool
}

// Go runs f in a new goroutine unless the group is stopped.
func (g *group) Go(f func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	g.wg.Go(f)
	return true
}

func (g *group) stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
}

func (g *group) wait() { g.wg.Wait() }
