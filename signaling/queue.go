package signaling

import (
	"context"
	"sync"

	"github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
)

// outItem is one thing to send: a room event or a direct response.
type outItem struct {
	event room.Event
	resp  *parleypb.SignalResponse
}

// outQueue orders everything a session sends. Room events (Send, which
// implements room.Sink) and the session's own responses share it, so the
// client sees them in the order they happened and only one goroutine writes
// to the transport. It never blocks a producer: past its limit it marks
// itself overflowed and the session ends.
type outQueue struct {
	mu       sync.Mutex
	items    []outItem
	limit    int
	overflow bool
	wake     chan struct{}
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, wake: make(chan struct{}, 1)}
}

// Send implements room.Sink.
func (q *outQueue) Send(ev room.Event) { q.push(outItem{event: ev}) }

// respond queues a direct response.
func (q *outQueue) respond(resp *parleypb.SignalResponse) { q.push(outItem{resp: resp}) }

func (q *outQueue) push(it outItem) {
	q.mu.Lock()
	if len(q.items) >= q.limit {
		q.overflow = true
	} else {
		q.items = append(q.items, it)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take waits for items and returns all queued ones; overflowed reports that
// items were lost and the session must end.
func (q *outQueue) take(ctx context.Context, buf []outItem) (items []outItem, overflowed bool, err error) {
	for {
		q.mu.Lock()
		if q.overflow {
			q.mu.Unlock()
			return nil, true, nil
		}
		if len(q.items) > 0 {
			items = append(buf[:0], q.items...)
			clear(q.items)
			q.items = q.items[:0]
			q.mu.Unlock()
			return items, false, nil
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}
