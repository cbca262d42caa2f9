package sfu

import "testing"

// TestRetransmissionBudget: retransmissions get a quarter of the estimate,
// with bursts of 100 ms.
func TestRetransmissionBudget(t *testing.T) {
	clk, now := newManualClock()
	s := newSendSide(clk, estimatorLimits{start: 800_000, min: 30_000, max: 1e7}, nil)
	// 800 kbit/s: 25 kB/s for retransmissions, bursts of 2.5 kB + a packet.
	sent := 0
	for range 100 {
		if s.allowRetransmit(1000, now.Load()) {
			sent++
		}
	}
	if sent != 0 {
		t.Fatalf("%d retransmissions before any budget accrued", sent)
	}
	now.Store(1e9)
	for range 100 {
		if s.allowRetransmit(1000, now.Load()) {
			sent++
		}
	}
	if sent != 4 {
		t.Fatalf("%d retransmissions of 1000 bytes from a full burst, want 4", sent)
	}
	sent = 0
	for ms := int64(1001); ms <= 2000; ms++ {
		now.Store(ms * 1e6)
		if s.allowRetransmit(1000, now.Load()) {
			sent++
		}
	}
	if sent < 24 || sent > 25 {
		t.Fatalf("%d retransmissions of 1000 bytes in a second, want 25", sent)
	}
}
