package sfu

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// candidateQueue holds remote ICE candidates that arrive before the remote
// description (trickle ICE races the offer/answer) and adds them once it is
// set.
type candidateQueue struct {
	mu      sync.Mutex
	ready   bool
	pending []webrtc.ICECandidateInit
}

// add adds c to pc now, or later when the remote description is set. A
// malformed candidate is rejected at once, queued or not.
func (q *candidateQueue) add(pc *webrtc.PeerConnection, c webrtc.ICECandidateInit) error {
	if err := checkCandidate(c); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.ready {
		q.pending = append(q.pending, c)
		return nil
	}
	if err := pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCandidate, err)
	}
	return nil
}

// flush adds the queued candidates; from now on add goes straight to pc.
// It returns the first error; the other candidates are still added.
func (q *candidateQueue) flush(pc *webrtc.PeerConnection) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ready = true
	var first error
	for _, c := range q.pending {
		if err := pc.AddICECandidate(c); err != nil && first == nil {
			first = fmt.Errorf("%w: %w", ErrInvalidCandidate, err)
		}
	}
	q.pending = nil
	return first
}

// checkCandidate parses the candidate line; an empty one is the
// end-of-candidates indication.
func checkCandidate(c webrtc.ICECandidateInit) error {
	line := strings.TrimPrefix(c.Candidate, "candidate:")
	if line == "" {
		return nil
	}
	if _, err := ice.UnmarshalCandidate(line); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCandidate, err)
	}
	return nil
}

// forwardCandidates delivers pc's local candidates to cb (nil when
// gathering is complete).
func forwardCandidates(pc *webrtc.PeerConnection, cb func(*webrtc.ICECandidateInit)) {
	if cb == nil {
		return
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			cb(nil)
			return
		}
		init := c.ToJSON()
		cb(&init)
	})
}

// currentState is what a connection-state callback reports: pion runs its
// handlers in goroutines of their own, so two quick changes may be handled
// in either order. Reading the state when the handler runs makes the last
// handler to run see the last state.
func currentState(pc *webrtc.PeerConnection) webrtc.PeerConnectionState {
	return pc.ConnectionState()
}
