package loadtest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a bot, a sender or a reader outlives
// its run.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
