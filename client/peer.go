package client

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// peer is what the publisher and subscriber PeerConnections share: trickle
// ICE in both directions and buffering of remote candidates until the
// remote description is set.
type peer struct {
	pc     *webrtc.PeerConnection
	target parleypb.SignalTarget

	mu         sync.Mutex
	haveRemote bool
	candidates []webrtc.ICECandidateInit
}

// newPeer creates a PeerConnection whose local candidates are sent with
// send as TrickleRequests for target and whose state changes are reported
// as events.
func newPeer(api *webrtc.API, rc webrtc.Configuration, target parleypb.SignalTarget,
	send func(*parleypb.SignalRequest), onState func(PeerConnectionStateChanged),
) (*peer, error) {
	pc, err := api.NewPeerConnection(rc)
	if err != nil {
		return nil, fmt.Errorf("client: new %s PeerConnection: %w", targetName(target), err)
	}
	p := &peer{pc: pc, target: target}
	// pion runs this handler in a goroutine per change, so two quick
	// changes may be handled in either order: report the state as it is
	// when the handler runs, and the last handler reports the last state.
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) {
		onState(PeerConnectionStateChanged{Target: target, State: pc.ConnectionState()})
	})
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		tr := &parleypb.TrickleRequest{Target: target}
		if c == nil {
			tr.Final = true
		} else {
			b, err := json.Marshal(c.ToJSON())
			if err != nil {
				return
			}
			tr.CandidateInit = string(b)
		}
		send(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Trickle{Trickle: tr}})
	})
	return p, nil
}

// addCandidate applies a remote candidate, or keeps it until the remote
// description is set.
func (p *peer) addCandidate(t *parleypb.TrickleRequest) error {
	if t.GetFinal() && t.GetCandidateInit() == "" {
		return nil // end of candidates: pion needs no signal for it
	}
	var init webrtc.ICECandidateInit
	if err := json.Unmarshal([]byte(t.GetCandidateInit()), &init); err != nil {
		return fmt.Errorf("%w: %s candidate %q: %v", ErrNegotiation, targetName(p.target), t.GetCandidateInit(), err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.haveRemote {
		p.candidates = append(p.candidates, init)
		return nil
	}
	if err := p.pc.AddICECandidate(init); err != nil {
		return fmt.Errorf("%w: %s candidate %q: %v", ErrNegotiation, targetName(p.target), init.Candidate, err)
	}
	return nil
}

// setRemote applies a remote description and then the candidates that
// arrived before it.
func (p *peer) setRemote(sd webrtc.SessionDescription) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.pc.SetRemoteDescription(sd); err != nil {
		return fmt.Errorf("%w: %s: set remote %s: %v", ErrNegotiation, targetName(p.target), sd.Type, err)
	}
	p.haveRemote = true
	var firstErr error
	for _, c := range p.candidates {
		if err := p.pc.AddICECandidate(c); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%w: %s candidate %q: %v", ErrNegotiation, targetName(p.target), c.Candidate, err)
		}
	}
	p.candidates = nil
	return firstErr
}

// close ends the PeerConnection and waits for pion's goroutines, so that
// none outlives the Room. Room.finish never runs inside a pion callback.
func (p *peer) close() error {
	return p.pc.GracefulClose()
}

func targetName(t parleypb.SignalTarget) string {
	if t == parleypb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER {
		return "subscriber"
	}
	return "publisher"
}

func sessionDescription(sd webrtc.SessionDescription, id uint32) *parleypb.SessionDescription {
	return &parleypb.SessionDescription{Type: sd.Type.String(), Sdp: sd.SDP, Id: id}
}
