package client

import (
	"context"
	"fmt"
	"sync"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// outbox queues requests for the one writer goroutine, so that callers
// (API methods, pion callbacks, the reader answering an offer) never block
// on the network and requests go out in the order they were queued.
type outbox struct {
	mu     sync.Mutex
	queue  []outgoing
	wake   chan struct{}
	closed bool
}

type outgoing struct {
	req *parleypb.SignalRequest
	// written, if set, receives the write's result.
	written chan error
}

func newOutbox() *outbox {
	return &outbox{wake: make(chan struct{}, 1)}
}

func (o *outbox) push(out outgoing) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if len(o.queue) >= maxQueuedRequests {
		return fmt.Errorf("%w: %d requests waiting", ErrQueueFull, len(o.queue))
	}
	o.queue = append(o.queue, out)
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return nil
}

// run writes queued requests until ctx is done or a write fails; it
// returns the write error (nil when ctx ended). Requests still queued then
// are failed with ErrClosed.
func (o *outbox) run(ctx context.Context, tr transport) error {
	defer o.close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-o.wake:
		}
		for {
			o.mu.Lock()
			batch := o.queue
			o.queue = nil
			o.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for i, out := range batch {
				err := tr.Send(out.req)
				if out.written != nil {
					out.written <- err
				}
				if err != nil {
					failAll(batch[i+1:])
					return err
				}
			}
		}
	}
}

func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	rest := o.queue
	o.queue = nil
	o.mu.Unlock()
	failAll(rest)
}

func failAll(outs []outgoing) {
	for _, out := range outs {
		if out.written != nil {
			out.written <- ErrClosed
		}
	}
}
