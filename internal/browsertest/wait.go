package browsertest

import (
	"testing"
	"time"
)

// PollInterval is how often WaitFor and WaitJS check their condition.
const PollInterval = 100 * time.Millisecond

// poll calls cond every PollInterval until it returns true or timeout
// passes; cond always runs at least once, and once more at the deadline.
func poll(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(PollInterval)
	}
}

// WaitFor polls cond until it returns nil. On timeout the test fails with
// what and cond's last error, which should say what was seen ("framesDecoded
// 0, want > 30").
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	var last error
	if err := poll(timeout, func() bool { last = cond(); return last == nil }); err != nil {
		t.Fatalf("waited %v for %s: %v", timeout, what, last)
	}
}
