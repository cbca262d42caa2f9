package browsertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// One browser at a time on the machine.
//
// Why: `go test ./...` runs two packages at once, and five packages start
// browsers. Two fleets of Chromium tabs, each encoding its fake camera in
// three simulcast layers and decoding the others', saturate two cores:
// every packet then waits for a CPU on its way through the browsers and
// the SFU, the publishers' delay-based bandwidth estimates read that as
// congestion and fall to ~270 kbps, and the upper simulcast layers stop
// (seen in the meeting test: round trips of 47 ms on loopback, the stage
// stuck on the smallest layer). The tests that measure media must not
// measure each other. So a browser takes an exclusive lock on a file in the
// temporary directory before it starts, and gives it back when it is
// closed; other packages' tests without a browser still run beside it.

// lockName is the lock file in os.TempDir(), shared by every test process
// (the network namespaces of Main share the file system).
const lockName = "parley-browsertest.lock"

// lockMachine blocks until this process holds the machine's browser lock;
// the returned function releases it.
func lockMachine(t testing.TB) (release func(), err error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), lockName), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("browsertest: opening the browser lock: %w", err)
	}
	fd := int(f.Fd())
	err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		start := time.Now()
		err = unix.Flock(fd, unix.LOCK_EX)
		t.Logf("browsertest: waited %v for another test's browser to close", time.Since(start).Round(time.Millisecond))
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("browsertest: taking the browser lock: %w", err)
	}
	return func() { _ = f.Close() }, nil // closing the file releases the lock
}
