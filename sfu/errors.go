package sfu

import "errors"

var (
	// ErrClosed is returned by operations on a closed engine, PeerConnection,
	// receiver or down-track.
	ErrClosed = errors.New("sfu: closed")
	// ErrInvalidSDP wraps failures to parse or apply a session description.
	ErrInvalidSDP = errors.New("sfu: invalid session description")
	// ErrInvalidCandidate wraps failures to parse or add an ICE candidate.
	ErrInvalidCandidate = errors.New("sfu: invalid ICE candidate")
	// ErrUnsupportedCodec is returned when a track's codec cannot be
	// forwarded to a subscriber.
	ErrUnsupportedCodec = errors.New("sfu: unsupported codec")
	// ErrAlreadySubscribed is returned when a subscriber already has a
	// down-track for a source.
	ErrAlreadySubscribed = errors.New("sfu: already subscribed")
	// ErrNotSubscribed is returned when a subscriber has no down-track for a
	// source.
	ErrNotSubscribed = errors.New("sfu: not subscribed")
	// ErrInvalidConfig wraps a Config the engine cannot run with.
	ErrInvalidConfig = errors.New("sfu: invalid config")
)
