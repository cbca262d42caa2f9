package sfu

import (
	"sync/atomic"
	"time"
)

// clock is the engine's monotonic time base: nanoseconds since the engine
// started. One reading per received packet serves every down-track.
type clock struct {
	start time.Time
	// manual, when set, is the time instead (deterministic tests).
	manual *atomic.Int64
}

func newClock() *clock { return &clock{start: time.Now()} }

// newManualClock returns a clock that reads what the test stores in it.
func newManualClock() (*clock, *atomic.Int64) {
	t := new(atomic.Int64)
	return &clock{start: time.Now(), manual: t}, t
}

func (c *clock) now() int64 {
	if c.manual != nil {
		return c.manual.Load()
	}
	return int64(time.Since(c.start))
}
