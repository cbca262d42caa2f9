package client

import (
	"errors"
	"fmt"
	"strings"

	"github.com/parley-sfu/parley/proto/parleypb"
)

var (
	// ErrClosed is returned by operations on a Room that has disconnected.
	ErrClosed = errors.New("client: room closed")
	// ErrInvalidURL is returned by Connect for a URL it cannot use.
	ErrInvalidURL = errors.New("client: invalid server URL")
	// ErrMissingToken is returned by Connect for an empty token.
	ErrMissingToken = errors.New("client: missing token")
	// ErrProtocol wraps a message from the server that breaks the session
	// rules of signal.proto (e.g. the first response is not a join).
	ErrProtocol = errors.New("client: protocol violation")
	// ErrTimeout is returned when the server does not answer a request in
	// time (e.g. no TrackPublishedResponse).
	ErrTimeout = errors.New("client: request timed out")
	// ErrPingTimeout is the cause of a disconnect when no Pong arrived
	// within the ping timeout.
	ErrPingTimeout = errors.New("client: no pong from server")
	// ErrConnectionLost is the cause of a disconnect when the signaling
	// stream ended without a LeaveResponse.
	ErrConnectionLost = errors.New("client: signaling connection lost")
	// ErrQueueFull is returned when too many requests wait to be written
	// to the signaling stream.
	ErrQueueFull = errors.New("client: send queue full")
	// ErrInvalidTrack is returned when publishing a track the SDK cannot
	// announce (nil, unknown kind, bad simulcast layers).
	ErrInvalidTrack = errors.New("client: invalid track")
	// ErrDuplicateTrack is returned when publishing a track whose ID (cid)
	// is already published or being published.
	ErrDuplicateTrack = errors.New("client: track already published")
	// ErrNegotiation wraps failures to create or apply a session
	// description or ICE candidate.
	ErrNegotiation = errors.New("client: negotiation failed")
	// ErrResumeFailed is the cause of a disconnect when the session could
	// not be resumed after its signaling connection dropped (the server no
	// longer had it, or refused the join).
	ErrResumeFailed = errors.New("client: session could not be resumed")
)

// Error is an ErrorResponse of the server: a stable code and a message for
// people. It is returned by the request that caused it (Connect for a bad
// token, PublishTrack for a missing publish grant) and delivered as an
// ErrorReceived event when no call waits for it.
//
//	var perr *client.Error
//	if errors.As(err, &perr) && perr.Code == parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED { ... }
type Error struct {
	Code    parleypb.ErrorCode
	Message string
	// RequestID is the id of the request that failed, 0 if none.
	RequestID uint32
	// Request names the kind of that request ("join", "add_track",
	// "subscription", ...) when the SDK still remembers it.
	Request string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("parley: ")
	b.WriteString(strings.TrimPrefix(e.Code.String(), "ERROR_CODE_"))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Request != "" {
		fmt.Fprintf(&b, " (%s request #%d)", e.Request, e.RequestID)
	}
	return b.String()
}

// Is makes errors.Is(err, &client.Error{Code: c}) match any server error
// with code c.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

func errorFromResponse(r *parleypb.ErrorResponse, requestID uint32, kind string) *Error {
	return &Error{Code: r.GetCode(), Message: r.GetMessage(), RequestID: requestID, Request: kind}
}
