package sfu

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
)

// fill writes a recognizable packet for seq into the cache (as the layer
// reader does) and returns its bytes.
func cachePut(c *packetCache, spare **cachedPacket, seq uint16) {
	p := *spare
	p.seq = seq
	p.n = 100 + int(seq%200)
	for i := 0; i < p.n; i++ {
		p.buf[i] = byte(seq) ^ byte(seq>>8) ^ byte(i)
	}
	*spare = c.store(p)
}

func cacheWant(seq uint16) []byte {
	b := make([]byte, 100+int(seq%200))
	for i := range b {
		b[i] = byte(seq) ^ byte(seq>>8) ^ byte(i)
	}
	return b
}

func TestPacketCache(t *testing.T) {
	const size = 64
	tests := []struct {
		name   string
		stored []uint16
		ask    uint16
		hit    bool
	}{
		{"hit", []uint16{1, 2, 3}, 2, true},
		{"never stored", []uint16{1, 2, 3}, 4, false},
		{"overwritten by a newer packet in the slot", []uint16{5, 5 + size}, 5, false},
		{"the newer packet in the slot", []uint16{5, 5 + size}, 5 + size, true},
		{"across the 16-bit wrap", []uint16{65534, 65535, 0, 1}, 65535, true},
		{"after the wrap", []uint16{65534, 65535, 0, 1}, 1, true},
		{"a packet 65472 later shares the slot", []uint16{7, 7 + 65536 - size}, 7, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newPacketCache(size, newPacketPool())
			spare := c.get()
			for _, s := range tc.stored {
				cachePut(c, &spare, s)
			}
			buf := make([]byte, packetBufferSize)
			n, hit := c.copyTo(tc.ask, buf)
			if hit != tc.hit {
				t.Fatalf("copyTo(%d) hit = %v, want %v", tc.ask, hit, tc.hit)
			}
			if hit && !bytes.Equal(buf[:n], cacheWant(tc.ask)) {
				t.Fatalf("copyTo(%d) returned other bytes", tc.ask)
			}
			// A read puts the packet back: it can be read again.
			if _, again := c.copyTo(tc.ask, buf); again != tc.hit {
				t.Fatalf("second copyTo(%d) hit = %v, want %v", tc.ask, again, tc.hit)
			}
		})
	}
}

func TestPacketCacheShortBuffer(t *testing.T) {
	c := newPacketCache(64, newPacketPool())
	spare := c.get()
	cachePut(c, &spare, 9)
	if _, ok := c.copyTo(9, make([]byte, 10)); ok {
		t.Fatal("copyTo into a short buffer succeeded")
	}
	if _, ok := c.copyTo(9, make([]byte, packetBufferSize)); !ok {
		t.Fatal("packet lost after a short-buffer read")
	}
}

// TestPacketCacheConcurrent runs one writer and several NACK readers on a
// small cache, so that readers and the writer constantly collide on slots.
// Every hit must be exactly the packet asked for (no torn or stale reads);
// the race detector checks the hand-offs.
func TestPacketCacheConcurrent(t *testing.T) {
	const size = 64
	c := newPacketCache(size, newPacketPool())
	var head atomic.Uint32 // newest seq written, +1
	var stop atomic.Bool
	var wg sync.WaitGroup
	var hits, misses atomic.Int64

	wg.Go(func() {
		spare := c.get()
		for i := range 200_000 {
			seq := uint16(i)
			cachePut(c, &spare, seq)
			head.Store(uint32(i) + 1)
		}
		stop.Store(true)
	})
	for r := range 4 {
		wg.Go(func() {
			buf := make([]byte, packetBufferSize)
			for i := 0; !stop.Load(); i++ {
				h := head.Load()
				if h == 0 {
					continue
				}
				// Ask for recent packets, some already overwritten.
				seq := uint16(h - 1 - uint32((i*7+r)%(size+16)))
				n, ok := c.copyTo(seq, buf)
				if !ok {
					misses.Add(1)
					continue
				}
				hits.Add(1)
				if !bytes.Equal(buf[:n], cacheWant(seq)) {
					t.Errorf("seq %d: got the bytes of another packet", seq)
					return
				}
			}
		})
	}
	wg.Wait()
	if hits.Load() == 0 || misses.Load() == 0 {
		t.Fatalf("want both hits and misses, got %d hits, %d misses", hits.Load(), misses.Load())
	}
	t.Logf("%d hits, %d misses", hits.Load(), misses.Load())
}
