package client

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// link is one signaling connection of a Room. A Room outlives its links:
// when one drops, the Room resumes its session on a new link (see
// resume.go) and keeps its PeerConnections, tracks and subscriptions.
type link struct {
	tr     transport
	ctx    context.Context // ends when the link ends
	cancel context.CancelFunc
	join   *parleypb.JoinResponse
	wg     sync.WaitGroup // the link's reader, writer and pinger
	lost   atomic.Bool
}

// dialLink opens a signaling connection and exchanges the join (resuming
// when resumeToken is set). The handshake is bounded by timeout (zero: by
// the Room's context only).
func (r *Room) dialLink(token, resumeToken string, timeout time.Duration) (*link, error) {
	ctx, cancel := context.WithCancel(r.ctx)
	l := &link{ctx: ctx, cancel: cancel}
	var timer *time.Timer
	if timeout > 0 {
		timer = time.AfterFunc(timeout, cancel)
	}
	err := r.handshake(l, token, resumeToken)
	if timer != nil && !timer.Stop() && err == nil {
		err = fmt.Errorf("%w: no join response within %v", ErrConnectionLost, timeout)
	}
	if err != nil {
		l.close()
		return nil, err
	}
	return l, nil
}

// handshake opens the stream and exchanges JoinRequest / JoinResponse.
func (r *Room) handshake(l *link, token, resumeToken string) error {
	tr, err := dial(l.ctx, r.ep, &r.cfg)
	if err != nil {
		return err
	}
	l.tr = tr
	auto := r.cfg.autoSubscribe
	req := &parleypb.SignalRequest{Message: &parleypb.SignalRequest_Join{Join: &parleypb.JoinRequest{
		Token:         token,
		AutoSubscribe: &auto,
		Client:        r.cfg.clientInfo,
		ResumeToken:   resumeToken,
	}}}
	id, _ := r.reqs.assign(req, false)
	if err := tr.Send(req); err != nil {
		return fmt.Errorf("client: send join: %w", err)
	}
	resp, err := tr.Recv()
	if err != nil {
		return fmt.Errorf("client: join: %w", err)
	}
	switch m := resp.GetMessage().(type) {
	case *parleypb.SignalResponse_Join:
		l.join = m.Join
		return nil
	case *parleypb.SignalResponse_Error:
		return errorFromResponse(m.Error, id, "join")
	}
	return fmt.Errorf("%w: first response is %T, want join", ErrProtocol, resp.GetMessage())
}

func (l *link) close() {
	l.cancel()
	if l.tr != nil {
		_ = l.tr.Close()
	}
}

// currentLink is the link the Room uses now.
func (r *Room) currentLink() *link {
	r.linkMu.Lock()
	defer r.linkMu.Unlock()
	return r.link
}

// startLink makes l the Room's link and starts its reader, writer and
// pinger.
func (r *Room) startLink(l *link) {
	r.linkMu.Lock()
	r.link = l
	r.linkMu.Unlock()
	r.lastPong.Store(time.Now().UnixNano())
	r.goLink(l, func() { r.readLoop(l) })
	r.goLink(l, func() {
		if err := r.out.run(l.ctx, l.tr); err != nil && l.ctx.Err() == nil {
			r.linkLost(l, Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST, Err: err})
		}
	})
	r.goLink(l, func() { r.pingLoop(l) })
}

// goLink runs f in the Room's group and in l's wait group.
func (r *Room) goLink(l *link, f func()) {
	l.wg.Add(1)
	if !r.group.Go(func() { defer l.wg.Done(); f() }) {
		l.wg.Done()
	}
}

func (r *Room) readLoop(l *link) {
	for {
		resp, err := l.tr.Recv()
		if err != nil {
			if l.ctx.Err() == nil {
				r.linkLost(l, Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST, Err: err})
			}
			return
		}
		r.handle(resp)
	}
}
