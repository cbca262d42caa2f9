package turn

import (
	"sync"
	"time"
)

// bucket is a token bucket of bytes. A relay socket's reader and writer
// goroutines share it; the mutex is never contended for long, and the
// relay path (unlike the SFU's forwarding path) already allocates per
// packet inside pion/turn.
type bucket struct {
	rate  float64 // bytes per second
	burst float64 // bytes
	now   func() time.Time

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// newBucket returns a bucket for bitrate bits per second that holds a
// quarter of a second of traffic (at least 64 KiB, so that a video
// keyframe passes whole); nil when bitrate is zero (no cap).
func newBucket(bitrate int64, now func() time.Time) *bucket {
	if bitrate <= 0 {
		return nil
	}
	rate := float64(bitrate) / 8
	burst := max(rate/4, 64<<10)
	return &bucket{rate: rate, burst: burst, now: now, tokens: burst, last: now()}
}

// allow takes n bytes from the bucket, or reports that the packet must be
// dropped. A nil bucket allows everything.
func (b *bucket) allow(n int) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}
