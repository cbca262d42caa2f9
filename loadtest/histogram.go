package loadtest

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Latency histogram: microsecond values in log-linear buckets, 16 per
// power of two (about 3% resolution), exact below 16 µs. Adding is one
// atomic increment, so every reader goroutine of a bot can share one.
const (
	histLinear  = 16
	histOctaves = 30 // up to 2^34 µs
	histBuckets = histLinear + histOctaves*histLinear
)

type histogram struct{ counts [histBuckets]atomic.Uint64 }

// histSnapshot is a copy of a histogram's counts.
type histSnapshot [histBuckets]uint64

func bucketOf(us int64) int {
	if us < histLinear {
		return int(max(us, 0))
	}
	k := bits.Len64(uint64(us)) - 1 // 2^k <= us < 2^(k+1), k >= 4
	i := histLinear + (k-4)*histLinear + int(uint64(us)>>(k-4))&(histLinear-1)
	return min(i, histBuckets-1)
}

// bucketMid is the middle of a bucket, in microseconds.
func bucketMid(i int) float64 {
	if i < histLinear {
		return float64(i)
	}
	k := (i-histLinear)/histLinear + 4
	sub := (i - histLinear) % histLinear
	width := float64(uint64(1) << (k - 4))
	return float64(uint64(histLinear+sub)<<(k-4)) + width/2
}

func (h *histogram) add(d time.Duration) { h.counts[bucketOf(d.Microseconds())].Add(1) }

func (h *histogram) snapshot() histSnapshot {
	var s histSnapshot
	for i := range h.counts {
		s[i] = h.counts[i].Load()
	}
	return s
}

func (s *histSnapshot) count() uint64 {
	var n uint64
	for _, c := range s {
		n += c
	}
	return n
}

// merge adds o to s.
func (s *histSnapshot) merge(o *histSnapshot) {
	for i := range s {
		s[i] += o[i]
	}
}

// since returns the counts added after o was taken.
func (s *histSnapshot) since(o *histSnapshot) histSnapshot {
	var d histSnapshot
	for i := range s {
		d[i] = s[i] - o[i]
	}
	return d
}

// quantile returns the q-quantile (0..1) in milliseconds, 0 when empty.
func (s *histSnapshot) quantile(q float64) float64 {
	n := s.count()
	if n == 0 {
		return 0
	}
	rank := uint64(q * float64(n))
	if rank >= n {
		rank = n - 1
	}
	var seen uint64
	for i, c := range s {
		seen += c
		if seen > rank {
			return bucketMid(i) / 1000
		}
	}
	return bucketMid(histBuckets-1) / 1000
}
