package sfu

import (
	"sync"
	"sync/atomic"
)

// packetBufferSize is the size of every pooled packet buffer: larger than
// any RTP packet that fits a UDP datagram on an Ethernet path.
const packetBufferSize = 1500

// cachedPacket is one received RTP packet. Exactly one party owns it at a
// time: the layer reader while it fills and fans it out, then the cache slot,
// then (briefly) a NACK reader that took it out of its slot to copy it.
type cachedPacket struct {
	buf [packetBufferSize]byte
	n   int
	seq uint16
}

// packetCache keeps the last N packets of one layer for retransmission.
//
// It has one writer (the layer reader) and any number of readers (the NACK
// goroutines of the down-tracks) and no lock: a slot is an atomic pointer,
// and whoever holds a *cachedPacket outside a slot owns it exclusively.
//   - The writer Swaps its filled packet into slot seq%N and keeps the packet
//     it gets back as its next read buffer (or takes one from the pool when
//     the slot was empty or lent out).
//   - A reader Swaps nil into the slot to borrow the packet, copies it if the
//     sequence number matches, and CompareAndSwaps it back into the still
//     empty slot; if the writer refilled the slot meanwhile the borrowed
//     packet is stale and goes to the pool.
//
// A packet is never read while someone writes it, so there are no torn
// reads and the race detector sees only atomics and ordered hand-offs.
type packetCache struct {
	slots []atomic.Pointer[cachedPacket]
	mask  uint16
	pool  *sync.Pool
}

// newPacketCache returns a cache of size slots (a power of two, at most
// 32768 so that seq%size is a whole number of sequence cycles).
func newPacketCache(size int, pool *sync.Pool) *packetCache {
	return &packetCache{
		slots: make([]atomic.Pointer[cachedPacket], size),
		mask:  uint16(size - 1),
		pool:  pool,
	}
}

// newPacketPool returns the pool packet buffers come from.
func newPacketPool() *sync.Pool {
	return &sync.Pool{New: func() any { return new(cachedPacket) }}
}

// get returns an empty packet to read into.
func (c *packetCache) get() *cachedPacket {
	return c.pool.Get().(*cachedPacket)
}

// store parks p (whose seq and n are set) in its slot and returns a packet
// the caller now owns and may overwrite.
func (c *packetCache) store(p *cachedPacket) *cachedPacket {
	old := c.slots[p.seq&c.mask].Swap(p)
	if old == nil {
		return c.get()
	}
	return old
}

// copyTo copies the packet with sequence number seq into buf and returns its
// length; false when it is no longer (or not yet) cached, or lent to another
// reader at this instant, or buf is too small.
func (c *packetCache) copyTo(seq uint16, buf []byte) (int, bool) {
	slot := &c.slots[seq&c.mask]
	p := slot.Swap(nil)
	if p == nil {
		return 0, false
	}
	n, ok := 0, p.seq == seq && len(buf) >= p.n
	if ok {
		n = copy(buf, p.buf[:p.n])
	}
	if !slot.CompareAndSwap(nil, p) {
		// The writer filled the slot with a newer packet while we held
		// this one; ours is stale.
		c.pool.Put(p)
	}
	return n, ok
}

// release returns the packets still cached to the pool (the layer ended).
func (c *packetCache) release() {
	for i := range c.slots {
		if p := c.slots[i].Swap(nil); p != nil {
			c.pool.Put(p)
		}
	}
}
