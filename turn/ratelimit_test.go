package turn

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	// 8 Mbit/s = 1 MB/s; the burst is a quarter second: 250 000 bytes.
	b := newBucket(8_000_000, clock)
	type step struct {
		advance time.Duration
		n       int
		want    bool
	}
	steps := []step{
		{0, 200_000, true},
		{0, 50_000, true},
		{0, 1, false},                         // burst spent
		{10 * time.Millisecond, 10_000, true}, // 10 ms refills 10 000 bytes
		{0, 1, false},
		{time.Hour, 250_000, true}, // refills to the burst only
		{0, 1, false},
	}
	var got []bool
	var want []bool
	for _, s := range steps {
		now = now.Add(s.advance)
		got = append(got, b.allow(s.n))
		want = append(want, s.want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("allow results %v, want %v", got, want)
		}
	}
	if newBucket(0, clock) != nil || !(*bucket)(nil).allow(1<<20) {
		t.Fatal("a zero bitrate must mean no cap")
	}
}
