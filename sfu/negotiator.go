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
// are batched into one follow-up offer sent after the answer. Offers are
// made and delivered on the negotiator's goroutine, so deliveries never
// overlap.
type negotiator struct {
	// offer creates an offer and sets it as local description.
	offer   func() (webrtc.SessionDescription, error)
	deliver func(webrtc.SessionDescription)
	failed  func(error)

	kick chan struct{}
	stop chan struct{}
	once sync.Once

	mu       sync.Mutex
	pending  bool // changes not yet in an offer
	awaiting bool // an offer is out; its answer has not been applied
}

func newNegotiator(
	offer func() (webrtc.SessionDescription, error),
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
		n.mu.Unlock()

		offer, err := n.offer()
		if err != nil {
			n.mu.Lock()
			n.awaiting = false
			n.mu.Unlock()
			n.failed(err)
			continue
		}
		n.deliver(offer)
	}
}
