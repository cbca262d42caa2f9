package turn

import (
	"net"
	"sync"

	"github.com/parley-sfu/parley/auth"
)

// userQuota caps the live allocations of each identity. pion/turn asks
// before it allocates (QuotaHandler) and reports allocations made and
// deleted (EventHandler); concurrent Allocate requests of one user may
// overshoot the cap by the number in flight, never more.
type userQuota struct {
	max   int
	stats *counters

	mu    sync.Mutex
	count map[string]int // by identity
}

func newUserQuota(max int, stats *counters) *userQuota {
	return &userQuota{max: max, stats: stats, count: map[string]int{}}
}

// identity is the user part of a TURN REST username; the whole username
// when it has none (the gate refused those already).
func identity(username string) string {
	if _, id, err := auth.ParseTURNUsername(username); err == nil {
		return id
	}
	return username
}

// allow is pion/turn's QuotaHandler.
func (q *userQuota) allow(username, _ string, _ net.Addr) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count[identity(username)] >= q.max {
		q.stats.quotaRejected.Add(1)
		return false
	}
	return true
}

func (q *userQuota) created(_, _ net.Addr, _, username, _ string, _ net.Addr, _ int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.count[identity(username)]++
}

func (q *userQuota) deleted(_, _ net.Addr, _, username, _ string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	id := identity(username)
	if q.count[id] <= 1 {
		delete(q.count, id)
		return
	}
	q.count[id]--
}
