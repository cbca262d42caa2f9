package cascade

import "errors"

var (
	// ErrInvalidConfig wraps a Config the node cannot run with.
	ErrInvalidConfig = errors.New("cascade: invalid config")
	// ErrClosed is returned by a node that was closed.
	ErrClosed = errors.New("cascade: closed")
	// ErrNodeUnavailable is returned when another node does not answer a
	// request (gone, or NATS is unreachable).
	ErrNodeUnavailable = errors.New("cascade: node unavailable")
	// ErrRelay wraps failures of a relay session.
	ErrRelay = errors.New("cascade: relay failed")
)
