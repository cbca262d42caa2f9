package client

import (
	"reflect"
	"testing"

	"github.com/parley-sfu/parley/proto/parleypb"
)

func drain(q *eventQueue) []Event {
	var out []Event
	for ev := range q.ch {
		out = append(out, ev)
	}
	return out
}

func TestEventQueue(t *testing.T) {
	ev := func(n int) Event { return EventsDropped{Count: -n} } // distinguishable markers
	final := Disconnected{Reason: 1}
	tests := []struct {
		name  string
		limit int
		run   func(q *eventQueue)
		want  []Event
	}{
		{
			name: "in order, final last", limit: 4,
			run:  func(q *eventQueue) { q.push(ev(1)); q.push(ev(2)); q.close(final) },
			want: []Event{ev(1), ev(2), final},
		},
		{
			name: "overflow is reported where it happened", limit: 2,
			run: func(q *eventQueue) {
				q.push(ev(1))
				q.push(ev(2))
				q.push(ev(3)) // dropped
				q.push(ev(4)) // dropped
				<-q.ch        // the reader makes room
				q.push(ev(5))
				q.close(final)
			},
			want: []Event{ev(2), EventsDropped{Count: 2}, ev(5), final},
		},
		{
			name: "drops at the end are reported before the final event", limit: 1,
			run: func(q *eventQueue) {
				q.push(ev(1))
				q.push(ev(2))
				q.close(final)
			},
			want: []Event{ev(1), EventsDropped{Count: 1}, final},
		},
		{
			name: "full after a report still closes", limit: 1,
			run: func(q *eventQueue) {
				q.push(ev(1))
				q.push(ev(2))
				<-q.ch
				q.push(ev(3)) // report + ev(3): limit+1 queued
				q.push(ev(4)) // dropped
				q.close(final)
			},
			want: []Event{EventsDropped{Count: 1}, ev(3), EventsDropped{Count: 1}, final},
		},
		{
			name: "push and close after close are ignored", limit: 2,
			run: func(q *eventQueue) {
				q.close(final)
				q.push(ev(1))
				q.close(Disconnected{Reason: 2})
			},
			want: []Event{final},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newEventQueue(tt.limit)
			tt.run(q)
			if got := drain(q); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequestsLog(t *testing.T) {
	q := newRequests()
	first, _ := q.assign(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Data{}}, false)
	for range requestLogSize - 1 {
		q.assign(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Ping{}}, false)
	}
	if got, _ := q.lookup(first); got != "data" {
		t.Fatalf("kind(%d) = %q, want data", first, got)
	}
	q.assign(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Ping{}}, false) // overwrites first
	if got, _ := q.lookup(first); got != "" {
		t.Fatalf("kind(%d) after wrap = %q, want forgotten", first, got)
	}
	if got, _ := q.lookup(0); got != "" {
		t.Fatalf("kind(0) = %q", got)
	}

	id, ch := q.assign(&parleypb.SignalRequest{}, true)
	resp := &parleypb.SignalResponse{RequestId: id}
	if q.deliver(id+1, resp) || !q.deliver(id, resp) || q.deliver(id, resp) {
		t.Fatal("deliver must reach exactly the waiter, once")
	}
	if got := <-ch; got != resp {
		t.Fatal("wrong response delivered")
	}
}

func TestRequestIDSkipsZero(t *testing.T) {
	q := newRequests()
	q.next = ^uint32(0)
	req := &parleypb.SignalRequest{}
	if id, _ := q.assign(req, false); id != 1 || req.GetRequestId() != 1 {
		t.Fatalf("id after wrap = %d", id)
	}
}
