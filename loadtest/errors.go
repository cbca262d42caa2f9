package loadtest

import "errors"

var (
	// ErrInvalidConfig wraps a Config the load test cannot run with.
	ErrInvalidConfig = errors.New("loadtest: invalid configuration")
	// ErrUnreachable is returned when the server cannot be reached at all:
	// the run stops before any bot starts.
	ErrUnreachable = errors.New("loadtest: server unreachable")
	// ErrRejected is returned when the server refuses the credentials
	// (a bad API key or secret): the run stops before any bot starts.
	ErrRejected = errors.New("loadtest: server rejected the token")
	// ErrMedia wraps a broken embedded clip (a build problem).
	ErrMedia = errors.New("loadtest: embedded media")
)
