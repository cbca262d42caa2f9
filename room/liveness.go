package room

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// liveness tracks whether a participant can still be reached: the state of
// its two PeerConnections and whether a signaling connection is attached,
// with the two grace timers that end it. Guarded by room.mu.
//
//   - Media: when a PeerConnection that was connected goes disconnected or
//     failed, the client is asked to restart ICE (the server restarts the
//     subscriber side itself) and the reconnect timer runs; it stops when
//     every connection that was connected is connected again, and when it
//     fires the participant leaves.
//   - Signaling: when the signaling connection drops without a leave, the
//     participant is detached and the resume timer runs; a resume stops it,
//     and when it fires the participant leaves. A detached participant
//     whose media is down too leaves at once: nothing of it is left to
//     resume, and the others see a vanished client go within the time ICE
//     takes to notice (ICEDisconnectedTimeout).
type liveness struct {
	pc       [2]pcLiveness // publisher, subscriber
	detached bool
	// Timers and their generations: a timer's function acts only if its
	// generation is still current (Stop cannot recall a running one).
	reconnect, resume       *time.Timer
	reconnectGen, resumeGen uint64
}

type pcLiveness struct {
	state     webrtc.PeerConnectionState
	connected bool // was connected at least once
}

const (
	pcPublisher  = 0
	pcSubscriber = 1
)

// mediaDown reports whether a connection that was connected is not now.
func (l *liveness) mediaDown() bool {
	for _, pc := range l.pc {
		if pc.connected && pc.state != webrtc.PeerConnectionStateConnected {
			return true
		}
	}
	return false
}

func (l *liveness) stop() {
	stopTimer(&l.reconnect, &l.reconnectGen)
	stopTimer(&l.resume, &l.resumeGen)
}

func stopTimer(t **time.Timer, gen *uint64) {
	if *t != nil {
		(*t).Stop()
		*t = nil
		*gen++
	}
}

// onConnectionState handles a state change of one of the participant's
// PeerConnections (sfu reports the state current when the callback runs).
func (p *Participant) onConnectionState(which int, s webrtc.PeerConnectionState) {
	r := p.room
	r.mu.Lock()
	if p.closed {
		r.mu.Unlock()
		return
	}
	pc := &p.live.pc[which]
	changed := pc.state != s
	pc.state = s
	if s == webrtc.PeerConnectionStateConnected {
		pc.connected = true
	}
	dead := changed && (s == webrtc.PeerConnectionStateDisconnected || s == webrtc.PeerConnectionStateFailed)
	down := p.live.mediaDown()
	if down && p.live.detached {
		r.mu.Unlock()
		// Not from inside pion's callback: leaving closes this very PC.
		r.m.goTracked(func() { p.leaveLost("media and signaling connections lost") })
		return
	}
	if down {
		p.armReconnectLocked()
	} else {
		stopTimer(&p.live.reconnect, &p.live.reconnectGen)
	}
	if dead {
		p.sink.Send(ICERestartEvent{Subscriber: which == pcSubscriber})
	}
	r.mu.Unlock()
	if dead {
		p.log.Info("media transport lost: restarting ICE", "pc", pcName(which), "state", s)
		if which == pcSubscriber {
			p.subscriber.RestartICE()
		}
	}
}

func pcName(which int) string {
	if which == pcSubscriber {
		return "subscriber"
	}
	return "publisher"
}

// armReconnectLocked starts the reconnect timer unless it runs.
func (p *Participant) armReconnectLocked() {
	if p.live.reconnect != nil {
		return
	}
	gen := p.live.reconnectGen
	p.live.reconnect = time.AfterFunc(p.room.m.cfg.ReconnectGrace, func() {
		if p.timerCurrent(func(l *liveness) bool { return l.reconnectGen == gen && l.reconnect != nil }) {
			p.leaveLost("media connection lost")
		}
	})
}

// timerCurrent reports whether a timer that fired still counts.
func (p *Participant) timerCurrent(current func(*liveness) bool) bool {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return !p.closed && current(&p.live)
}

// leaveLost makes the participant leave for everyone with
// LeaveConnectionLost.
func (p *Participant) leaveLost(why string) {
	p.log.Info("participant lost", "why", why)
	p.room.remove(p, LeaveConnectionLost, why)
}

// Detach records that the participant's signaling connection dropped
// without a leave. It stays in the room for Config.ResumeGrace, awaiting a
// resume ([Participant.Resume]), unless its media is down too: then it
// leaves at once.
func (p *Participant) Detach() {
	r := p.room
	r.mu.Lock()
	if p.closed {
		r.mu.Unlock()
		return
	}
	if p.live.mediaDown() {
		r.mu.Unlock()
		p.leaveLost("signaling and media connections lost")
		return
	}
	p.live.detached = true
	stopTimer(&p.live.resume, &p.live.resumeGen)
	gen := p.live.resumeGen
	p.live.resume = time.AfterFunc(r.m.cfg.ResumeGrace, func() {
		if p.timerCurrent(func(l *liveness) bool { return l.resumeGen == gen && l.detached }) {
			p.leaveLost("signaling connection lost")
		}
	})
	r.mu.Unlock()
	p.log.Info("signaling connection lost: awaiting resume", "grace", r.m.cfg.ResumeGrace)
}

// Resume attaches a new signaling connection to the participant (detached
// or not: a client often reconnects before the server notices the old
// connection died). It returns what a joining participant learns, taken
// under the room lock; mark runs under that same lock, so that the caller
// can drop the room events the snapshot supersedes. An offer still waiting
// for its answer is delivered again, and a dead transport is restarted
// again, since the client may have missed both.
func (p *Participant) Resume(mark func()) (JoinInfo, error) {
	r := p.room
	r.mu.Lock()
	if err := p.checkOpenLocked(); err != nil {
		r.mu.Unlock()
		return JoinInfo{}, err
	}
	p.live.detached = false
	stopTimer(&p.live.resume, &p.live.resumeGen)
	info := JoinInfo{Room: r.infoLocked(), Self: p.infoLocked(), Others: r.participantInfosLocked(p)}
	if mark != nil {
		mark()
	}
	pub, sub := p.live.pc[pcPublisher], p.live.pc[pcSubscriber]
	pubDown := pub.connected && pub.state != webrtc.PeerConnectionStateConnected
	subDown := sub.connected && sub.state != webrtc.PeerConnectionStateConnected
	if pubDown {
		p.sink.Send(ICERestartEvent{})
	}
	r.mu.Unlock()
	p.subscriber.ResendOffer()
	if subDown {
		p.subscriber.RestartICE()
	}
	p.log.Info("participant resumed")
	return info, nil
}

// RestartICE makes the next offer on the participant's subscriber PC
// restart ICE, for a client that lost its media transport and says so
// before the server notices.
func (p *Participant) RestartICE() error {
	if err := p.checkOpen(); err != nil {
		return err
	}
	p.subscriber.RestartICE()
	return nil
}
