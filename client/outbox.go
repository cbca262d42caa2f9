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

// run writes queued requests to tr until ctx is done or a write fails; it
// returns the write error (nil when ctx ended). The request that failed and
// those after it stay queued for the next connection (the Room resumes its
// session on a new one); only close fails them.
func (o *outbox) run(ctx context.Context, tr transport) error {
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
				if ctx.Err() != nil {
					o.requeue(batch[i:])
					return nil
				}
				if err := tr.Send(out.req); err != nil {
					o.requeue(batch[i:])
					return err
				}
				if out.written != nil {
					out.written <- nil
				}
			}
		}
	}
}

// requeue puts unsent requests back in front of the queue and wakes the
// next writer.
func (o *outbox) requeue(outs []outgoing) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		failAll(outs)
		return
	}
	o.queue = append(append([]outgoing(nil), outs...), o.queue...)
	select {
	case o.wake <- struct{}{}:
	default:
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
