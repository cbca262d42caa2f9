package sfu

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// sendBatchMax is the most datagrams one sendmmsg call sends; a producer
// that finds this many queued sends them itself, so a long burst goes out
// in batches of this size while it runs.
const sendBatchMax = 64

// mmsghdr is struct mmsghdr (sendmmsg(2)); Go pads it as C does.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
}

// sendQueue is a media socket's queue of datagrams to send in batches: a
// bounded lock-free ring of preallocated slots (positions and per-slot
// sequence words in the manner of Dmitry Vyukov's bounded queue), filled
// by any number of writers and emptied by one flusher at a time.
//
// A writer reserves a position with a compare-and-swap on tail, copies the
// datagram and its address into the slot (pion reuses its buffer once the
// write returns) and publishes the slot by storing pos+1 in its sequence
// word. The flusher (whoever wins the flushing flag) sends the published
// slots from head on with sendmmsg, straight from the slots (each slot has
// its own preset msghdr and iovec), then frees them by storing
// pos+len(slots). No mutex, no allocation, and nobody waits for anybody: a
// writer that finds the ring full, or a flusher that finds the flag taken,
// goes on (the writer sends its datagram with its own system call).
//
// Sends do not wait for socket buffer space (MSG_DONTWAIT): a datagram the
// kernel has no room for is dropped and counted, as a full queue is, so
// the forwarding goroutine is never held up by the socket.
type sendQueue struct {
	c      *rawUDPConn
	bursts *sendBursts
	slots  []queueSlot
	hdrs   []mmsghdr // hdrs[i] describes slots[i]
	iovs   []syscall.Iovec
	mask   uint64
	// send is sendmmsg(2) on fd; tests replace it.
	send func(fd int, hdrs []mmsghdr) (int, syscall.Errno)

	_        [64]byte // keep the writers' and the flusher's words apart
	tail     atomic.Uint64
	_        [56]byte
	head     atomic.Uint64
	flushing atomic.Bool
	_        [52]byte

	stats sendQueueCounters
}

// queueSlot is one queued datagram.
type queueSlot struct {
	// seq is pos while the slot is free for ring position pos, pos+1 once
	// it holds that position's datagram.
	seq  atomic.Uint64
	addr syscall.RawSockaddrInet6 // or a RawSockaddrInet4 at its start
	buf  [packetBufferSize]byte
}

// sendQueueCounters count the queue's work and losses.
type sendQueueCounters struct {
	batches    atomic.Uint64 // sendmmsg calls that sent something
	batched    atomic.Uint64 // datagrams they sent
	overflows  atomic.Uint64 // datagrams sent on their own: the queue was full
	refused    atomic.Uint64 // datagrams the kernel refused (an error for that datagram)
	bufferFull atomic.Uint64 // datagrams dropped: no socket buffer space (EAGAIN, ENOBUFS)
}

// newSendQueue returns a queue of size slots (a power of two) for c, which
// batches during the bursts of b.
func newSendQueue(c *rawUDPConn, b *sendBursts, size int) *sendQueue {
	q := &sendQueue{
		c:      c,
		bursts: b,
		slots:  make([]queueSlot, size),
		hdrs:   make([]mmsghdr, size),
		iovs:   make([]syscall.Iovec, size),
		mask:   uint64(size - 1),
		send:   sendmmsg,
	}
	for i := range q.slots {
		s := &q.slots[i]
		s.seq.Store(uint64(i))
		q.iovs[i].Base = &s.buf[0]
		h := &q.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&s.addr))
		h.Iov = &q.iovs[i]
		h.Iovlen = 1
	}
	return q
}

// sendmmsg sends hdrs on fd without waiting for buffer space.
func sendmmsg(fd int, hdrs []mmsghdr) (int, syscall.Errno) {
	n, _, errno := syscall.Syscall6(sysSendmmsg, uintptr(fd), uintptr(unsafe.Pointer(&hdrs[0])), uintptr(len(hdrs)),
		syscall.MSG_DONTWAIT, 0, 0)
	return int(n), errno
}

// wanted reports whether a datagram should be queued: during a burst, or
// behind datagrams still queued (so that a writer's datagrams keep their
// order).
func (q *sendQueue) wanted() bool {
	return q.bursts.inBurst() || q.head.Load() != q.tail.Load()
}

// push queues b for the socket address sa of size saLen; false when the
// ring is full.
func (q *sendQueue) push(b []byte, sa *syscall.RawSockaddrInet6, saLen uint32) bool {
	pos, ok := q.reserve()
	if !ok {
		return false
	}
	i := pos & q.mask
	s := &q.slots[i]
	s.addr = *sa
	q.iovs[i].SetLen(copy(s.buf[:], b))
	q.hdrs[i].hdr.Namelen = saLen
	s.seq.Store(pos + 1)
	return true
}

// reserve claims the next ring position.
func (q *sendQueue) reserve() (uint64, bool) {
	pos := q.tail.Load()
	for {
		seq := q.slots[pos&q.mask].seq.Load()
		switch {
		case seq == pos:
			if q.tail.CompareAndSwap(pos, pos+1) {
				return pos, true
			}
			pos = q.tail.Load()
		case seq < pos:
			return 0, false // the slot still holds a datagram of the last lap
		default:
			pos = q.tail.Load() // another writer took pos
		}
	}
}

// pushed decides, after a push, whether the writer sends now: outside a
// burst (nobody would flush after it), or when a batch is full. The burst
// check follows the push, so that a burst ending in between is seen.
func (q *sendQueue) pushed() {
	h := q.head.Load()
	if !q.bursts.inBurst() || q.tail.Load()-h >= sendBatchMax {
		q.flush()
	}
}

// ready reports whether the datagram at head is published.
func (q *sendQueue) ready() bool {
	h := q.head.Load()
	return q.slots[h&q.mask].seq.Load() == h+1
}

// flush sends what is queued unless another goroutine is doing so. A
// flusher looks again after dropping the flag, so a datagram published
// while it held the flag is never left behind; a datagram reserved but not
// yet published is sent by its writer's own flush or by the end of the
// burst it was written in.
func (q *sendQueue) flush() {
	for q.ready() {
		if !q.flushing.CompareAndSwap(false, true) {
			return
		}
		if q.c.enter() {
			q.drain(true)
			q.c.exit()
		} else {
			q.drain(false) // closed: drop what is queued
		}
		q.flushing.Store(false)
	}
}

// drain sends (or, when send is false, drops) the published datagrams
// from head on, in batches of at most sendBatchMax that do not wrap the
// ring; the caller holds the flushing flag.
func (q *sendQueue) drain(send bool) {
	size := uint64(len(q.slots))
	for {
		head := q.head.Load()
		start := head & q.mask
		limit := min(sendBatchMax, size-start)
		k := uint64(0)
		for k < limit && q.slots[start+k].seq.Load() == head+k+1 {
			k++
		}
		if k == 0 {
			return
		}
		if send {
			q.sendBatch(q.hdrs[start : start+k])
		}
		for j := range k {
			q.slots[start+j].seq.Store(head + j + size)
		}
		q.head.Store(head + k)
	}
}

// sendBatch sends hdrs. sendmmsg stops at the first datagram it cannot
// send and reports those before it; called again, it reports that
// datagram's error, which drops it (or, for want of buffer space, the
// rest of the batch).
func (q *sendQueue) sendBatch(hdrs []mmsghdr) {
	for len(hdrs) > 0 {
		n, errno := q.send(q.c.fd, hdrs)
		switch {
		case errno == 0 && n > 0:
			q.stats.batches.Add(1)
			q.stats.batched.Add(uint64(n))
			hdrs = hdrs[min(n, len(hdrs)):]
		case errno == syscall.EINTR:
		case errno == syscall.EAGAIN || errno == syscall.ENOBUFS:
			q.stats.bufferFull.Add(uint64(len(hdrs)))
			return
		default:
			q.stats.refused.Add(1)
			hdrs = hdrs[1:]
		}
	}
}

// statsInto adds the queue's counters to st.
func (q *sendQueue) statsInto(st *SocketStats) {
	st.SendBatches = q.stats.batches.Load()
	st.BatchedDatagrams = q.stats.batched.Load()
	st.QueueOverflows = q.stats.overflows.Load()
	st.SendRefused = q.stats.refused.Load()
	st.SendBufferFull = q.stats.bufferFull.Load()
}

// writeQueued queues b for addr during a burst (see WriteToAddrPort);
// false when it must be sent directly.
func (q *sendQueue) writeQueued(b []byte, sa *syscall.RawSockaddrInet6, saLen uint32) bool {
	if len(b) > packetBufferSize || !q.wanted() {
		return false
	}
	if !q.push(b, sa, saLen) {
		// Full: send what is queued (unless someone else is), then this
		// datagram on its own, after them.
		q.stats.overflows.Add(1)
		q.flush()
		return false
	}
	q.pushed()
	return true
}

// useSendQueue gives c a send queue of size slots that batches during the
// bursts of b (where the architecture's sendmmsg is known).
func (c *rawUDPConn) useSendQueue(b *sendBursts, size int) {
	if sysSendmmsg == 0 || b == nil || size <= 0 {
		return
	}
	c.queue = newSendQueue(c, b, size)
	b.queues = append(b.queues, c.queue)
}
