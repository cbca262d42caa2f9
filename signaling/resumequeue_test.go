package signaling

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
)

// names renders queued items for whole-list comparison.
func names(items []outItem) string {
	var s []string
	for _, it := range items {
		if it.resp != nil {
			s = append(s, fmt.Sprintf("resp#%d", it.resp.GetRequestId()))
			continue
		}
		s = append(s, fmt.Sprintf("%T", it.event))
	}
	return fmt.Sprint(s)
}

func drain(t *testing.T, q *outQueue) ([]outItem, uint64) {
	t.Helper()
	items, epoch, overflowed, err := q.take(context.Background(), nil)
	if err != nil || overflowed {
		t.Fatalf("take: %v, overflowed %v", err, overflowed)
	}
	return items, epoch
}

// TestQueueAcrossAResume: room-state events queued for a dropped
// connection give way to the resume snapshot, while offers, candidates,
// data and responses wait for the next connection; items a writer could
// not send go back in front, without stale room state.
func TestQueueAcrossAResume(t *testing.T) {
	q := newOutQueue(16)
	q.Send(room.ParticipantJoinedEvent{})
	q.Send(room.OfferEvent{})
	q.respond(&pb.SignalResponse{RequestId: 1})

	// A writer took these, then its connection died mid-batch.
	taken, epoch := drain(t, q)
	q.Send(room.DataEvent{})
	q.pushFront(taken[1:], epoch) // the join went out, the rest did not

	q.detach()
	q.Send(room.TrackPublishedEvent{}) // superseded by the snapshot
	q.Send(room.CandidateEvent{})
	q.Send(room.ICERestartEvent{})

	items, _ := drain(t, q)
	want := "[room.OfferEvent resp#1 room.DataEvent room.CandidateEvent room.ICERestartEvent]"
	if got := names(items); got != want {
		t.Fatalf("queued %s, want %s", got, want)
	}

	// A resume drops the room state queued before the snapshot, and a
	// writer of the old connection putting back stale room state loses it.
	q.Send(room.ParticipantLeftEvent{})
	q.Send(room.OfferEvent{})
	old, oldEpoch := drain(t, q)
	q.resumed()
	q.Send(room.TrackMutedEvent{}) // after the snapshot: kept
	q.pushFront(old, oldEpoch)
	items, _ = drain(t, q)
	want = "[room.OfferEvent room.TrackMutedEvent]"
	if got := names(items); got != want {
		t.Fatalf("after the resume %s, want %s", got, want)
	}

	// take hands nothing to a writer whose session ended.
	q.Send(room.DataEvent{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if items, _, _, err := q.take(ctx, nil); err == nil || len(items) != 0 {
		t.Fatalf("take after the end: %d items, %v", len(items), err)
	}
}

// TestRegistry: members are found by token and forgotten once.
func TestRegistry(t *testing.T) {
	r := newRegistry()
	a, b := &member{token: newResumeToken()}, &member{token: newResumeToken()}
	if a.token == b.token || len(a.token) < 40 {
		t.Fatalf("tokens %q and %q", a.token, b.token)
	}
	r.add(a)
	r.add(b)
	r.remove(a)
	r.remove(a)
	if r.get(a.token) != nil || r.get(b.token) != b || r.len() != 1 {
		t.Fatalf("registry holds %d, get(b) = %p", r.len(), r.get(b.token))
	}
}
