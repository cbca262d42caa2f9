package client

import "sync"

// eventQueue delivers events in order on a buffered channel without ever
// blocking the producer (the signaling reader, pion callbacks).
//
// The channel holds up to limit ordinary events. When it is full, new
// events are counted instead and reported by one EventsDropped as soon as
// the reader makes room, in the place of the missing events. Three slots
// beyond limit are reserved so that an EventsDropped, a last EventsDropped
// at close and the final Disconnected always fit; after Disconnected the
// channel is closed.
type eventQueue struct {
	mu      sync.Mutex
	ch      chan Event
	limit   int
	dropped int
	closed  bool
}

func newEventQueue(limit int) *eventQueue {
	return &eventQueue{ch: make(chan Event, limit+3), limit: limit}
}

// push queues e or counts it as dropped. Sends never block: only push and
// close send, under mu; push leaves len(ch) <= limit+1 and close adds at
// most two.
func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if len(q.ch) >= q.limit {
		q.dropped++
		return
	}
	q.flushDroppedLocked()
	q.ch <- e
}

func (q *eventQueue) flushDroppedLocked() {
	if q.dropped > 0 {
		q.ch <- EventsDropped{Count: q.dropped}
		q.dropped = 0
	}
}

// close queues the final event and closes the channel.
func (q *eventQueue) close(final Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	q.flushDroppedLocked()
	q.ch <- final
	close(q.ch)
}
