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

// outQueue orders everything a participant is sent. Room events (Send,
// which implements room.Sink) and the session's own responses share it, so
// the client sees them in the order they happened and only one goroutine
// writes to the transport. It never blocks a producer: past its limit it
// marks itself overflowed and the session ends.
//
// The queue belongs to the participant, not to one connection: when the
// signaling connection drops, what was not written stays queued for the
// session that resumes. Room-state events (joins, leaves, tracks...) are
// not kept for it: the resumed JoinResponse carries the room as it is
// then, so those queued before it are dropped (resumed), and while no
// session is attached they are not queued at all.
type outQueue struct {
	mu       sync.Mutex
	items    []outItem
	limit    int
	overflow bool
	detached bool
	epoch    uint64 // counts resumes
	wake     chan struct{}
	// onLeave runs after a LeaveEvent was queued (under the room lock).
	onLeave func()
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, wake: make(chan struct{}, 1)}
}

// Send implements room.Sink.
func (q *outQueue) Send(ev room.Event) {
	q.push(outItem{event: ev})
	if _, ok := ev.(room.LeaveEvent); ok && q.onLeave != nil {
		q.onLeave()
	}
}

// respond queues a direct response.
func (q *outQueue) respond(resp *parleypb.SignalResponse) { q.push(outItem{resp: resp}) }

func (q *outQueue) push(it outItem) {
	q.mu.Lock()
	switch {
	case q.detached && isRoomState(it.event):
		// The resume snapshot will carry it.
	case len(q.items) >= q.limit:
		q.overflow = true
	default:
		q.items = append(q.items, it)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pushFront puts back items a writer took but could not send, taken at
// epoch; room-state events among them are dropped if a resume happened
// since.
func (q *outQueue) pushFront(items []outItem, epoch uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	front := make([]outItem, 0, len(items)+len(q.items))
	for _, it := range items {
		if (q.epoch == epoch && !q.detached) || !isRoomState(it.event) {
			front = append(front, it)
		}
	}
	q.items = append(front, q.items...)
}

// detach records that no session is attached.
func (q *outQueue) detach() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.detached = true
	q.dropRoomStateLocked()
}

// resumed is called under the room lock when a session resumes, right
// after the snapshot it gets: queued room-state events are superseded.
func (q *outQueue) resumed() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.detached = false
	q.epoch++
	q.dropRoomStateLocked()
}

func (q *outQueue) dropRoomStateLocked() {
	kept := q.items[:0]
	for _, it := range q.items {
		if !isRoomState(it.event) {
			kept = append(kept, it)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
}

// isRoomState reports events that a room snapshot (JoinResponse) fully
// replaces.
func isRoomState(ev room.Event) bool {
	switch ev.(type) {
	case room.ParticipantJoinedEvent, room.ParticipantLeftEvent, room.ParticipantUpdatedEvent,
		room.TrackPublishedEvent, room.TrackUnpublishedEvent, room.TrackMutedEvent, room.RoomUpdatedEvent:
		return true
	}
	return false
}

// take waits for items and returns all queued ones and the epoch they were
// taken at; overflowed reports that items were lost and the session must
// end. It returns ctx's error once ctx is done, even with items queued:
// they belong to the next session.
func (q *outQueue) take(ctx context.Context, buf []outItem) (items []outItem, epoch uint64, overflowed bool, err error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, false, err
		}
		q.mu.Lock()
		if q.overflow {
			q.mu.Unlock()
			return nil, 0, true, nil
		}
		if len(q.items) > 0 {
			items = append(buf[:0], q.items...)
			clear(q.items)
			q.items = q.items[:0]
			epoch = q.epoch
			q.mu.Unlock()
			return items, epoch, false, nil
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, 0, false, ctx.Err()
		}
	}
}
