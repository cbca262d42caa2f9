package turn

import "errors"

var (
	// ErrInvalidConfig wraps a Config the server cannot run with.
	ErrInvalidConfig = errors.New("turn: invalid config")
	// ErrClosed is returned by a closed server.
	ErrClosed = errors.New("turn: server closed")
	// errCapacity refuses an allocation beyond Config.MaxAllocations
	// (pion answers 508 Insufficient Capacity).
	errCapacity = errors.New("turn: allocation capacity reached")
	// errTCPRelay refuses RFC 6062 TCP allocations, which Parley does not
	// offer.
	errTCPRelay = errors.New("turn: TCP relay allocations are not supported")
)
