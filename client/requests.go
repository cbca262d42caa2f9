package client

import (
	"sync"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// requestLogSize is how many recent requests are remembered to name the
// request an ErrorResponse refers to.
const requestLogSize = 128

// requests numbers outgoing requests and routes responses that carry a
// request_id back to the call waiting for them.
type requests struct {
	mu      sync.Mutex
	next    uint32
	waiters map[uint32]chan *parleypb.SignalResponse
	log     [requestLogSize]loggedRequest
}

type loggedRequest struct {
	id      uint32
	kind    string
	subject string
}

func newRequests() *requests {
	return &requests{waiters: make(map[uint32]chan *parleypb.SignalResponse)}
}

// assign gives req a fresh request_id and remembers what it was. With
// wait, it also returns a channel that receives the response carrying that
// id.
func (q *requests) assign(req *parleypb.SignalRequest, wait bool) (uint32, chan *parleypb.SignalResponse) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	if q.next == 0 { // 0 means "no request"; skip it on wrap-around
		q.next++
	}
	id := q.next
	req.RequestId = id
	q.log[id%requestLogSize] = loggedRequest{id: id, kind: requestKind(req), subject: requestSubject(req)}
	if !wait {
		return id, nil
	}
	ch := make(chan *parleypb.SignalResponse, 1)
	q.waiters[id] = ch
	return id, ch
}

// forget drops the waiter of id (the call gave up).
func (q *requests) forget(id uint32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.waiters, id)
}

// deliver hands resp to the call waiting for id and reports whether there
// was one. Each waiter gets at most one response.
func (q *requests) deliver(id uint32, resp *parleypb.SignalResponse) bool {
	if id == 0 {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	ch, ok := q.waiters[id]
	if !ok {
		return false
	}
	delete(q.waiters, id)
	ch <- resp
	return true
}

// lookup returns the kind and subject of request id, or "" when it is
// unknown or forgotten.
func (q *requests) lookup(id uint32) (kind, subject string) {
	if id == 0 {
		return "", ""
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.log[id%requestLogSize]; e.id == id {
		return e.kind, e.subject
	}
	return "", ""
}

// requestKind is the name of the request's message field ("add_track",
// "subscription", ...), as in signal.proto.
func requestKind(req *parleypb.SignalRequest) string {
	m := req.ProtoReflect()
	if f := m.WhichOneof(m.Descriptor().Oneofs().ByName("message")); f != nil {
		return string(f.Name())
	}
	return ""
}

// requestSubject is the track a request is about, if any, so that an error
// can be pinned on it.
func requestSubject(req *parleypb.SignalRequest) string {
	switch {
	case req.GetSubscription() != nil && len(req.GetSubscription().GetTracks()) > 0:
		return req.GetSubscription().GetTracks()[0].GetTrackSid()
	case req.GetAddTrack() != nil:
		return req.GetAddTrack().GetCid()
	case req.GetRemoveTrack() != nil:
		return req.GetRemoveTrack().GetTrackSid()
	case req.GetMute() != nil:
		return req.GetMute().GetTrackSid()
	}
	return ""
}
