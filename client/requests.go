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
	id   uint32
	kind string
}

func newRequests() *requests {
	return &requests{waiters: make(map[uint32]chan *parleypb.SignalResponse)}
}

// assign gives req a fresh request_id and remembers its kind. With wait,
// it also returns a channel that receives the response carrying that id.
func (q *requests) assign(req *parleypb.SignalRequest, kind string, wait bool) (uint32, chan *parleypb.SignalResponse) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.next++
	if q.next == 0 { // 0 means "no request"; skip it on wrap-around
		q.next++
	}
	id := q.next
	req.RequestId = id
	q.log[id%requestLogSize] = loggedRequest{id: id, kind: kind}
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

// kind names the request id, or "" when it is unknown or forgotten.
func (q *requests) kind(id uint32) string {
	if id == 0 {
		return ""
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.log[id%requestLogSize]; e.id == id {
		return e.kind
	}
	return ""
}
