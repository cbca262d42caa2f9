package sfu

import (
	"net"
	"sync/atomic"
)

// sendBursts marks the forwarding bursts of an engine: the fan-out of one
// packet to every down-track of a layer. While any burst runs, the media
// sockets queue what pion writes to them instead of making one system call
// per datagram (sendqueue_linux.go), and the end of each burst sends what
// is queued in batches (sendmmsg), so that a packet forwarded to a hundred
// subscribers costs a couple of system calls rather than a hundred. No
// timer is involved: a queued datagram waits at most for the end of the
// burst that was running when it was written.
//
// A nil *sendBursts (no batching socket: a virtual network, another OS, or
// Config.SendQueue 0) does nothing.
type sendBursts struct {
	active atomic.Int32
	// queues are the media sockets' send queues, set before the engine
	// forwards anything and fixed after.
	queues []burstQueue
}

// burstQueue is a socket's send queue as the bursts see it.
type burstQueue interface {
	// flush sends what is queued, unless another goroutine already is
	// (which then sends it); it never waits for that goroutine.
	flush()
}

// begin marks the start of a burst.
func (b *sendBursts) begin() {
	if b != nil {
		b.active.Add(1)
	}
}

// end marks the end of a burst and sends what the sockets queued.
func (b *sendBursts) end() {
	if b == nil {
		return
	}
	b.active.Add(-1)
	for _, q := range b.queues {
		q.flush()
	}
}

// inBurst reports whether a burst is running.
func (b *sendBursts) inBurst() bool { return b != nil && b.active.Load() > 0 }

// sendQueueUser is implemented by media sockets that can batch their sends
// (the raw socket on Linux).
type sendQueueUser interface {
	useSendQueue(b *sendBursts, size int)
}

// newSendBursts gives the media sockets that can batch a send queue of
// size slots each, and returns the bursts that drive them; nil when none
// can (or size is 0).
func newSendBursts(socks []net.PacketConn, size int) *sendBursts {
	if size <= 0 {
		return nil
	}
	b := &sendBursts{}
	for _, c := range socks {
		if u, ok := c.(sendQueueUser); ok {
			u.useSendQueue(b, size)
		}
	}
	if len(b.queues) == 0 {
		return nil
	}
	return b
}
