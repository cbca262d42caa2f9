package sfu

import "time"

// clock is the engine's monotonic time base: nanoseconds since the engine
// started. One reading per received packet serves every down-track.
type clock struct {
	start time.Time
}

func newClock() *clock { return &clock{start: time.Now()} }

func (c *clock) now() int64 { return int64(time.Since(c.start)) }
