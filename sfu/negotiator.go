package sfu

import (
	"errors"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// negotiationDebounce batches a burst of track changes (a participant
// subscribing to a whole room) into one offer.
const negotiationDebounce = 30 * time.Millisecond

var errNoOfferOutstanding = errors.New("no offer is waiting for an answer")

// negotiator drives the server-offers side of a PeerConnection: changes
// schedule an offer; while an offer waits for its answer, further changes
// are batched into one follow-up offer sent after the answer. An ICE
// restart is such a change, made by the next offer. Offers are made and
// delivered on the negotiator's goroutine, so deliveries never overlap.
type negotiator struct {
	// offer creates an offer (restarting ICE when asked) and sets it as
	// local description.
	offer   func(iceRestart bool) (webrtc.SessionDescription, error)
	deliver func(webrtc.SessionDescription)
	failed  func(error)

	kick chan struct{}
	stop chan struct{}
	once sync.Once

	mu       sync.Mutex
	pending  bool // changes not yet in an offer
	restart  bool // the next offer restarts ICE
	awaiting bool // an offer is out; its answer has not been applied
	resend   bool // deliver the outstanding offer again
	last     webrtc.SessionDescription
}

func newNegotiator(
	offer func(iceRestart bool) (webrtc.SessionDescription, error),
	deliver func(webrtc.SessionDescription),
	failed func(error),
) *negotiator {
	return &negotiator{
		offer:   offer,
		deliver: deliver,
		failed:  failed,
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
}

// schedule records a change that needs an offer.
func (n *negotiator) schedule() {
	n.mu.Lock()
	n.pending = true
	n.mu.Unlock()
	n.wake()
}

// restartICE schedules an offer that restarts ICE.
func (n *negotiator) restartICE() {
	n.mu.Lock()
	n.pending, n.restart = true, true
	n.mu.Unlock()
	n.wake()
}

// resendOffer delivers the outstanding offer again, if there is one: the
// client may have lost it (its signaling connection dropped) and the next
// offer waits for its answer.
func (n *negotiator) resendOffer() {
	n.mu.Lock()
	n.resend = n.awaiting
	n.mu.Unlock()
	n.wake()
}

func (n *negotiator) wake() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// answered applies the answer to the outstanding offer with apply and, if
// changes piled up meanwhile, schedules the follow-up offer.
func (n *negotiator) answered(apply func() error) error {
	n.mu.Lock()
	awaiting := n.awaiting
	n.mu.Unlock()
	if !awaiting {
		return errNoOfferOutstanding
	}
	if err := apply(); err != nil {
		return err // still awaiting: a corrected answer may follow
	}
	n.mu.Lock()
	n.awaiting = false
	again := n.pending
	n.mu.Unlock()
	if again {
		n.wake()
	}
	return nil
}

// close stops the goroutine (after a delivery in progress returns).
func (n *negotiator) close() {
	n.once.Do(func() { close(n.stop) })
}

// run is the negotiator's goroutine.
func (n *negotiator) run() {
	timer := time.NewTimer(0)
	<-timer.C
	for {
		select {
		case <-n.stop:
			return
		case <-n.kick:
		}
		if last, ok := n.takeResend(); ok {
			n.deliver(last)
			continue
		}
		timer.Reset(negotiationDebounce)
		select {
		case <-n.stop:
			timer.Stop()
			return
		case <-timer.C:
		}
		n.mu.Lock()
		if !n.pending || n.awaiting {
			n.mu.Unlock()
			continue
		}
		n.pending, n.awaiting = false, true
		restart := n.restart
		n.restart = false
		n.mu.Unlock()

		offer, err := n.offer(restart)
		n.mu.Lock()
		if err != nil {
			n.awaiting = false
			n.restart = n.restart || restart
		} else {
			n.last = offer
		}
		n.mu.Unlock()
		if err != nil {
			n.failed(err)
			continue
		}
		n.deliver(offer)
	}
}

// takeResend returns the outstanding offer when a resend was asked for.
func (n *negotiator) takeResend() (webrtc.SessionDescription, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.resend || !n.awaiting {
		n.resend = false
		return webrtc.SessionDescription{}, false
	}
	n.resend = false
	return n.last, true
}
