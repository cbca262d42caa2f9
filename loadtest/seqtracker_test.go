package loadtest

import (
	"testing"
	"time"
)

func TestSeqTracker(t *testing.T) {
	type result struct{ Expected, Received, Duplicates, TooLate uint64 }
	seqs := func(from, to int) []uint16 {
		var out []uint16
		for s := from; s <= to; s++ {
			out = append(out, uint16(s))
		}
		return out
	}
	cat := func(parts ...[]uint16) []uint16 {
		var out []uint16
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		in   []uint16
		want result
	}{
		{"in order", seqs(10, 19), result{10, 10, 0, 0}},
		{"loss", cat(seqs(10, 12), seqs(15, 19)), result{10, 8, 0, 0}},
		{"repaired", cat(seqs(10, 12), seqs(15, 19), []uint16{13, 14}), result{10, 10, 0, 0}},
		{"duplicate", cat(seqs(10, 19), []uint16{15, 19}), result{10, 10, 2, 0}},
		{"reordered start", []uint16{11, 10, 12}, result{3, 3, 0, 0}},
		{"wrap-around", seqs(65530, 65545), result{16, 16, 0, 0}},
		{"too late", cat(seqs(0, 2000), []uint16{5}), result{2001, 2001, 0, 1}},
		{"big jump", cat(seqs(0, 9), seqs(3000, 3009)), result{3010, 20, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tr seqTracker
			for _, s := range tc.in {
				tr.push(s)
			}
			got := result{tr.expected(), tr.received, tr.duplicates, tr.tooLate}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond / 10) // 0.1 .. 100 ms
	}
	s := h.snapshot()
	for _, tc := range []struct{ q, want float64 }{{0.5, 50}, {0.95, 95}, {0.99, 99}} {
		if got := s.quantile(tc.q); got < tc.want*0.96 || got > tc.want*1.04 {
			t.Errorf("q%.2f = %.2f ms, want %.0f ±4%%", tc.q, got, tc.want)
		}
	}
	var empty histSnapshot
	if empty.quantile(0.5) != 0 {
		t.Error("quantile of nothing is not 0")
	}
	for us := int64(0); us < 1<<20; us = us*5/4 + 1 {
		if mid := bucketMid(bucketOf(us)); mid < float64(us)*0.96-1 || mid > float64(us)*1.04+1 {
			t.Errorf("%d µs lands in a bucket centred on %.1f", us, mid)
		}
	}
}
