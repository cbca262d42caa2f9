package client

import (
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// iceWatch remembers the last reported state of each PeerConnection, so
// that each change is reported (and acted on) once.
type iceWatch struct {
	mu   sync.Mutex
	last [2]webrtc.PeerConnectionState // by SignalTarget
}

// changed records s for target and reports whether it is new.
func (w *iceWatch) changed(target parleypb.SignalTarget, s webrtc.PeerConnectionState) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := 0
	if target == parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		i = 1
	}
	if w.last[i] == s {
		return false
	}
	w.last[i] = s
	return true
}

// peerState reports a PeerConnection state change, except during teardown
// (where Disconnected says it all), and restarts ICE on a connection that
// lost its transport: its network changed or its path broke.
func (r *Room) peerState(e PeerConnectionStateChanged) {
	if r.ctx.Err() != nil || !r.ice.changed(e.Target, e.State) {
		return
	}
	r.events.push(e)
	if e.State == webrtc.PeerConnectionStateDisconnected || e.State == webrtc.PeerConnectionStateFailed {
		r.log.Info("media transport lost: restarting ICE", "pc", targetName(e.Target), "state", e.State)
		r.restartICE(e.Target)
	}
}

// restartICE restarts ICE on one PeerConnection: the publisher offers with
// new ICE credentials; for the subscriber, whose offers come from the
// server, the client asks for an ICE-restart offer.
func (r *Room) restartICE(target parleypb.SignalTarget) {
	if target == parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		r.sendAsync(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_IceRestart{
			IceRestart: &parleypb.IceRestartRequest{Target: target},
		}})
		return
	}
	r.warnIf("restart publisher ICE", r.pub.restartICE())
}

// RestartICE restarts ICE on both PeerConnections, keeping the session,
// tracks and subscriptions: for an application that knows the network
// changed (the SDK restarts by itself when a connection is lost). Media
// flows again once the new candidate pairs are checked.
func (r *Room) RestartICE() error {
	if r.ctx.Err() != nil {
		return ErrClosed
	}
	r.restartICE(parleypb.SignalTarget_SIGNAL_TARGET_PUBLISHER)
	r.restartICE(parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER)
	return nil
}
