package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

const (
	// DefaultReconnectWindow is how long the SDK tries to resume a session
	// whose signaling connection dropped; it matches the server's default
	// resume grace.
	DefaultReconnectWindow = 10 * time.Second
	// resumeAttemptTimeout bounds one reconnection attempt's handshake.
	resumeAttemptTimeout = 3 * time.Second
	// Backoff between attempts.
	resumeFirstBackoff = 100 * time.Millisecond
	resumeMaxBackoff   = 2 * time.Second
)

// linkLost handles the end of a signaling connection that neither side
// asked for: the session is resumed on a new connection when it can be,
// and ends otherwise.
func (r *Room) linkLost(l *link, d Disconnected) {
	if !l.lost.CompareAndSwap(false, true) {
		return
	}
	l.close()
	if r.ctx.Err() != nil {
		return
	}
	if !r.canResume(d.Err) {
		r.fail(d)
		return
	}
	r.log.Info("signaling connection lost: resuming", "err", d.Err)
	r.events.push(Reconnecting{Err: d.Err})
	if !r.group.Go(func() { r.reconnect(l, d) }) {
		r.fail(d)
	}
}

// canResume reports whether a lost connection is worth resuming: the
// server gave a resume token, the option allows it, the client is not
// leaving, and the connection was lost rather than broken by a protocol
// error.
func (r *Room) canResume(err error) bool {
	return r.cfg.reconnectWindow > 0 && r.ResumeToken() != "" && !r.leaving.Load() &&
		(errors.Is(err, ErrConnectionLost) || errors.Is(err, ErrPingTimeout))
}

// reconnect tries to resume the session until the reconnect window
// closes. The old link's goroutines are gone before the new link starts,
// so requests queued meanwhile go out once, on the new link, in order.
func (r *Room) reconnect(old *link, lost Disconnected) {
	old.wg.Wait()
	deadline := time.Now().Add(r.cfg.reconnectWindow)
	backoff := resumeFirstBackoff
	for attempt := 1; ; attempt++ {
		if r.ctx.Err() != nil {
			return
		}
		if r.leaving.Load() {
			r.fail(Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST})
			return
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			r.fail(lost)
			return
		}
		l, err := r.dialLink(r.token, r.ResumeToken(), min(resumeAttemptTimeout, remaining))
		var serr *Error
		switch {
		case err == nil && l.join.GetResumed():
			r.resumed(l)
			return
		case err == nil:
			// The server no longer had the session and joined us afresh:
			// that participant is not this Room's; leave with it.
			r.abandon(l)
			r.fail(Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST, CanReconnect: true,
				Err: fmt.Errorf("%w: the server no longer had the session", ErrResumeFailed)})
			return
		case errors.As(err, &serr):
			r.fail(Disconnected{Reason: parleypb.LeaveReason_LEAVE_REASON_CONNECTION_LOST,
				Err: fmt.Errorf("%w: %w", ErrResumeFailed, err)})
			return
		}
		r.log.Debug("resume attempt failed", "attempt", attempt, "err", err)
		wait := min(backoff, time.Until(deadline))
		if wait <= 0 {
			r.fail(lost)
			return
		}
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, resumeMaxBackoff)
	}
}

// abandon leaves the fresh participant a failed resume made.
func (r *Room) abandon(l *link) {
	req := &parleypb.SignalRequest{Message: &parleypb.SignalRequest_Leave{Leave: &parleypb.LeaveRequest{
		Reason: parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST,
	}}}
	r.reqs.assign(req, false)
	if l.tr.Send(req) != nil {
		l.close()
		return
	}
	// Wait (like Leave, and as long) for the server to answer or end the
	// stream: closing at once cancels the stream, and gRPC may then drop a
	// request the server has not read yet, leaving the fresh participant
	// behind until its session times out.
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for {
			resp, err := l.tr.Recv()
			if err != nil || resp.GetLeave() != nil {
				return
			}
		}
	}()
	t := time.NewTimer(leaveWait)
	select {
	case <-ended:
	case <-t.C:
	case <-r.ctx.Done():
	}
	t.Stop()
	l.close()
	<-ended
}

// resumed continues the session on l: the view catches up with the room
// as the server describes it, the PeerConnections get the fresh TURN
// credentials, an offer that may have been lost is sent again, and a dead
// media transport is restarted.
func (r *Room) resumed(l *link) {
	r.linkMu.Lock()
	r.join = l.join
	r.linkMu.Unlock()
	r.state.reconcile(l.join)
	rc := r.cfg.rtcConfiguration(l.join)
	for _, p := range []*peer{r.pub.peer, r.sub.peer} {
		c := p.pc.GetConfiguration()
		c.ICEServers = rc.ICEServers
		if err := p.pc.SetConfiguration(c); err != nil {
			r.log.Debug("update ICE servers", "pc", targetName(p.target), "err", err)
		}
	}
	r.startLink(l)
	r.pub.resendOffer()
	for _, p := range []*peer{r.pub.peer, r.sub.peer} {
		if s := p.pc.ConnectionState(); s == webrtc.PeerConnectionStateDisconnected || s == webrtc.PeerConnectionStateFailed {
			r.restartICE(p.target)
		}
	}
	r.log.Info("session resumed")
	r.events.push(Reconnected{})
}
