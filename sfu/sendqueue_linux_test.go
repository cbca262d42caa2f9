package sfu

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"go.uber.org/goleak"
)

// queueStats is the part of SocketStats the send queue fills.
type queueStats struct {
	Batches, Batched, Overflows, Refused, BufferFull uint64
}

func queueStatsOf(q *sendQueue) queueStats {
	var st SocketStats
	q.statsInto(&st)
	return queueStats{st.SendBatches, st.BatchedDatagrams, st.QueueOverflows, st.SendRefused, st.SendBufferFull}
}

// batchingConn returns a raw socket on loopback with a send queue of size
// slots driven by the returned bursts, and a peer that reads from it.
func batchingConn(t *testing.T, size int) (*rawUDPConn, *sendBursts, *net.UDPConn) {
	t.Helper()
	if sysSendmmsg == 0 {
		t.Fatal("sendmmsg's system call number is unknown on this architecture")
	}
	c, err := listenRawUDP(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	b := &sendBursts{}
	c.useSendQueue(b, size)
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = peer.SetReadBuffer(1 << 20)
	t.Cleanup(func() { _ = peer.Close() })
	return c, b, peer
}

// readN reads n datagrams from peer and returns their first bytes.
func readN(t *testing.T, peer *net.UDPConn, n int) []byte {
	t.Helper()
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 0, n)
	buf := make([]byte, 2048)
	for range n {
		k, err := peer.Read(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), n, err)
		}
		if k != 100 {
			t.Fatalf("datagram of %d bytes", k)
		}
		got = append(got, buf[0])
	}
	return got
}

func seqBytes(from, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(from + i)
	}
	return b
}

// TestSendQueueBursts: outside a burst every write is its own system call;
// during one the datagrams wait in the queue, go out in batches of
// sendBatchMax while the burst runs and the rest at its end, in order.
func TestSendQueueBursts(t *testing.T) {
	c, b, peer := batchingConn(t, 256)
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	dgram := make([]byte, 100)
	write := func(i int) {
		dgram[0] = byte(i)
		if n, err := c.WriteToAddrPort(dgram, to); n != len(dgram) || err != nil {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}

	for i := range 3 {
		write(i)
	}
	if got, want := queueStatsOf(c.queue), (queueStats{}); got != want {
		t.Fatalf("outside a burst: stats %+v, want %+v", got, want)
	}
	if got := readN(t, peer, 3); string(got) != string(seqBytes(0, 3)) {
		t.Fatalf("outside a burst: got %v", got)
	}

	b.begin()
	for i := range 100 {
		write(i)
	}
	if got, want := queueStatsOf(c.queue), (queueStats{Batches: 1, Batched: sendBatchMax}); got != want {
		t.Fatalf("during the burst: stats %+v, want %+v", got, want)
	}
	b.end()
	if got, want := queueStatsOf(c.queue), (queueStats{Batches: 2, Batched: 100}); got != want {
		t.Fatalf("after the burst: stats %+v, want %+v", got, want)
	}
	if got := readN(t, peer, 100); string(got) != string(seqBytes(0, 100)) {
		t.Fatalf("burst: got %v", got)
	}
}

// fakeSend replaces sendmmsg with a script of results; past the script it
// sends everything. sent records the first byte of each datagram sent.
type fakeSend struct {
	script []sendResult
	sent   []byte
	calls  int
}

type sendResult struct {
	n     int
	errno syscall.Errno
}

func (f *fakeSend) send(_ int, hdrs []mmsghdr) (int, syscall.Errno) {
	f.calls++
	r := sendResult{n: len(hdrs)}
	if len(f.script) > 0 {
		r, f.script = f.script[0], f.script[1:]
	}
	if r.errno != 0 {
		return -1, r.errno
	}
	r.n = min(r.n, len(hdrs))
	for _, h := range hdrs[:r.n] {
		f.sent = append(f.sent, *h.hdr.Iov.Base)
	}
	return r.n, 0
}

// TestSendQueueSendResults: partial sends go on from the first datagram
// not sent; a datagram the kernel refuses is dropped and counted, the rest
// of the batch still goes; for want of buffer space the rest of the batch
// is dropped and counted, and the queue goes on working.
func TestSendQueueSendResults(t *testing.T) {
	all := seqBytes(0, 10)
	tests := []struct {
		name      string
		script    []sendResult
		wantSent  []byte
		wantStats queueStats
	}{
		{"all at once", nil, all, queueStats{Batches: 1, Batched: 10}},
		{"partial, then the rest", []sendResult{{n: 3}}, all, queueStats{Batches: 2, Batched: 10}},
		{"interrupted, then all", []sendResult{{errno: syscall.EINTR}}, all, queueStats{Batches: 1, Batched: 10}},
		{
			"one refused", []sendResult{{n: 2}, {errno: syscall.EPERM}},
			append(seqBytes(0, 2), seqBytes(3, 7)...), queueStats{Batches: 2, Batched: 9, Refused: 1},
		},
		{
			"no progress counts as refused", []sendResult{{n: 0}},
			seqBytes(1, 9), queueStats{Batches: 1, Batched: 9, Refused: 1},
		},
		{
			"socket buffer full", []sendResult{{n: 4}, {errno: syscall.EAGAIN}},
			seqBytes(0, 4), queueStats{Batches: 1, Batched: 4, BufferFull: 6},
		},
		{
			"no buffers", []sendResult{{errno: syscall.ENOBUFS}},
			nil, queueStats{BufferFull: 10},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, b, peer := batchingConn(t, 64)
			f := &fakeSend{script: tc.script}
			c.queue.send = f.send
			to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
			b.begin()
			for i := range 10 {
				if _, err := c.WriteToAddrPort([]byte{byte(i)}, to); err != nil {
					t.Fatal(err)
				}
			}
			b.end()
			if string(f.sent) != string(tc.wantSent) {
				t.Errorf("sent %v, want %v", f.sent, tc.wantSent)
			}
			if got := queueStatsOf(c.queue); got != tc.wantStats {
				t.Errorf("stats %+v, want %+v", got, tc.wantStats)
			}
			// The queue works on: the next burst goes out whole.
			f.sent = nil
			b.begin()
			_, _ = c.WriteToAddrPort([]byte{42}, to)
			b.end()
			if string(f.sent) != "\x2a" {
				t.Errorf("next burst sent %v", f.sent)
			}
		})
	}
}

// TestSendQueueFull: a writer that finds the queue full sends what is
// queued and then its own datagram; when another goroutine holds the
// queue, it sends its datagram at once rather than wait.
func TestSendQueueFull(t *testing.T) {
	for _, busy := range []bool{false, true} {
		name := "flusher free"
		if busy {
			name = "flusher busy"
		}
		t.Run(name, func(t *testing.T) {
			c, b, peer := batchingConn(t, 4)
			f := &fakeSend{}
			c.queue.send = f.send
			to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
			b.begin()
			if busy {
				c.queue.flushing.Store(true) // as if another goroutine were sending
			}
			dgram := make([]byte, 100)
			for i := range 5 {
				dgram[0] = byte(i)
				if _, err := c.WriteToAddrPort(dgram, to); err != nil {
					t.Fatal(err)
				}
			}
			// The fifth went out directly (the peer has it); the first
			// four through the queue, before it unless the queue was busy.
			if got := readN(t, peer, 1); got[0] != 4 {
				t.Fatalf("direct datagram %v", got)
			}
			wantSent := seqBytes(0, 4)
			if busy {
				if len(f.sent) != 0 {
					t.Fatalf("sent %v while another goroutine held the queue", f.sent)
				}
				c.queue.flushing.Store(false)
			}
			b.end()
			if string(f.sent) != string(wantSent) {
				t.Fatalf("queued: sent %v, want %v", f.sent, wantSent)
			}
			if got, want := queueStatsOf(c.queue), (queueStats{Batches: 1, Batched: 4, Overflows: 1}); got != want {
				t.Fatalf("stats %+v, want %+v", got, want)
			}
		})
	}
}

// TestSendQueueConcurrentBursts: writers in bursts of their own on several
// goroutines; every datagram goes out exactly once, each writer's in its
// order.
func TestSendQueueConcurrentBursts(t *testing.T) {
	const writers, bursts, perBurst = 4, 25, 16
	c, b, peer := batchingConn(t, 4096) // room for everything: no overflow
	// Only the flushing flag orders these appends: with -race, two
	// flushers at once would be reported, and are counted anyway.
	var inside atomic.Int32
	var sent [][2]byte
	c.queue.send = func(_ int, hdrs []mmsghdr) (int, syscall.Errno) {
		if inside.Add(1) != 1 {
			t.Error("two flushers at once")
		}
		defer inside.Add(-1)
		for _, h := range hdrs {
			p := (*[2]byte)(unsafe.Pointer(h.hdr.Iov.Base))
			sent = append(sent, *p)
		}
		return len(hdrs), 0
	}
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			dgram := make([]byte, 100)
			dgram[0] = byte(w)
			seq := 0
			for range bursts {
				b.begin()
				for range perBurst {
					dgram[1] = byte(seq)
					seq++
					_, _ = c.WriteToAddrPort(dgram, to)
				}
				b.end()
			}
		})
	}
	wg.Wait()
	if st := queueStatsOf(c.queue); st.Overflows != 0 || st.Batched != writers*bursts*perBurst {
		t.Fatalf("stats %+v", st)
	}
	next := make([]int, writers)
	for _, s := range sent {
		if int(s[1]) != next[s[0]]&0xff {
			t.Fatalf("writer %d: datagram %d, want %d", s[0], s[1], next[s[0]])
		}
		next[s[0]]++
	}
	for w, n := range next {
		if n != bursts*perBurst {
			t.Fatalf("writer %d: %d datagrams sent", w, n)
		}
	}
}

// TestSendQueueClose: closing the socket while writers are in bursts ends
// cleanly: no goroutine left, later writes fail, a queue left behind is
// dropped when its burst ends.
func TestSendQueueClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, b, peer := batchingConn(t, 256)
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()

	b.begin()
	for range 3 {
		_, _ = c.WriteToAddrPort(make([]byte, 100), to)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			dgram := make([]byte, 100)
			for {
				b.begin()
				var err error
				for range 10 {
					if _, err = c.WriteToAddrPort(dgram, to); err != nil {
						break
					}
				}
				b.end()
				if err != nil {
					// A write that entered before Close may meet the
					// shut-down socket (EPIPE); later ones see ErrClosed.
					if !errors.Is(err, net.ErrClosed) && !errors.Is(err, syscall.EPIPE) {
						t.Errorf("write: %v", err)
					}
					return
				}
			}
		})
	}
	eventually(t, 5*time.Second, "the writers to send", func() bool { return queueStatsOf(c.queue).Batched > 100 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	b.end()
	if q := c.queue; q.head.Load() != q.tail.Load() {
		t.Fatalf("queue left with %d datagrams", q.tail.Load()-q.head.Load())
	}
	if _, err := c.WriteToAddrPort(make([]byte, 100), to); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if !c.fdClosed.Load() {
		t.Fatal("descriptor not closed")
	}
}

// TestSendQueueDoesNotAllocate: a burst of queued writes and its flush.
func TestSendQueueDoesNotAllocate(t *testing.T) {
	c, b, peer := batchingConn(t, 256)
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	dgram := make([]byte, 1200)
	avg := testing.AllocsPerRun(100, func() {
		b.begin()
		for range 100 {
			_, _ = c.WriteToAddrPort(dgram, to)
		}
		b.end()
	})
	if avg != 0 {
		t.Fatalf("%.1f allocations per burst of 100 writes", avg)
	}
	if st := queueStatsOf(c.queue); st.Batched == 0 || st.Overflows != 0 {
		t.Fatalf("stats %+v", st)
	}
}
