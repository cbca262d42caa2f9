package signaling

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"

	"github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

var (
	// ErrUnauthenticated wraps token failures (missing, malformed, expired,
	// wrongly signed).
	ErrUnauthenticated = errors.New("signaling: unauthenticated")
	// ErrPermissionDenied is returned when a valid token lacks a grant.
	ErrPermissionDenied = errors.New("signaling: permission denied")
	// ErrMessageTooLarge is returned for messages above MaxMessageSize.
	ErrMessageTooLarge = errors.New("signaling: message too large")
	// ErrUnsupportedMessage is returned for unknown or empty message types.
	ErrUnsupportedMessage = errors.New("signaling: unsupported message type")
	// ErrMalformedMessage is returned for bytes that are not a message.
	ErrMalformedMessage = errors.New("signaling: malformed message")
	// ErrNotJoined is returned for requests sent before the join.
	ErrNotJoined = errors.New("signaling: the first message must be a join")
	// ErrInvalidRequest is returned for requests with bad field values.
	ErrInvalidRequest = errors.New("signaling: invalid request")
	// ErrSlowClient ends a session whose client does not read its events.
	ErrSlowClient = errors.New("signaling: client too slow to read its events")
	// ErrGuestTokensDisabled is returned by the guest-token endpoint outside
	// dev mode.
	ErrGuestTokensDisabled = errors.New("signaling: guest tokens are disabled on this server")
)

// errorCode maps an error to the protocol code a client sees. This is the
// one place where that mapping lives.
func errorCode(err error) parleypb.ErrorCode {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED
	case errors.Is(err, ErrPermissionDenied), errors.Is(err, room.ErrPermissionDenied):
		return parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED
	case errors.Is(err, room.ErrRoomNotFound), errors.Is(err, room.ErrTrackNotFound),
		errors.Is(err, room.ErrParticipantNotFound), errors.Is(err, sfu.ErrNotSubscribed):
		return parleypb.ErrorCode_ERROR_CODE_NOT_FOUND
	case errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrMalformedMessage),
		errors.Is(err, room.ErrInvalidArgument), errors.Is(err, sfu.ErrInvalidSDP),
		errors.Is(err, sfu.ErrInvalidCandidate), errors.Is(err, sfu.ErrUnsupportedCodec):
		return parleypb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT
	case errors.Is(err, room.ErrRoomFull), errors.Is(err, room.ErrTooManyTracks),
		errors.Is(err, room.ErrTooManyRooms):
		return parleypb.ErrorCode_ERROR_CODE_LIMIT_EXCEEDED
	case errors.Is(err, ErrMessageTooLarge):
		return parleypb.ErrorCode_ERROR_CODE_MESSAGE_TOO_LARGE
	case errors.Is(err, ErrUnsupportedMessage):
		return parleypb.ErrorCode_ERROR_CODE_UNSUPPORTED_MESSAGE
	case errors.Is(err, ErrNotJoined), errors.Is(err, room.ErrParticipantClosed),
		errors.Is(err, room.ErrRoomClosed):
		return parleypb.ErrorCode_ERROR_CODE_FAILED_PRECONDITION
	case errors.Is(err, room.ErrRoomExists), errors.Is(err, sfu.ErrAlreadySubscribed):
		return parleypb.ErrorCode_ERROR_CODE_ALREADY_EXISTS
	}
	return parleypb.ErrorCode_ERROR_CODE_INTERNAL
}

// grpcCode maps a protocol error code to a gRPC status code (RoomService).
func grpcCode(err error) codes.Code {
	if errors.Is(err, context.Canceled) {
		return codes.Canceled
	}
	switch errorCode(err) {
	case parleypb.ErrorCode_ERROR_CODE_UNAUTHENTICATED:
		return codes.Unauthenticated
	case parleypb.ErrorCode_ERROR_CODE_PERMISSION_DENIED:
		return codes.PermissionDenied
	case parleypb.ErrorCode_ERROR_CODE_NOT_FOUND:
		return codes.NotFound
	case parleypb.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, parleypb.ErrorCode_ERROR_CODE_UNSUPPORTED_MESSAGE:
		return codes.InvalidArgument
	case parleypb.ErrorCode_ERROR_CODE_LIMIT_EXCEEDED, parleypb.ErrorCode_ERROR_CODE_MESSAGE_TOO_LARGE:
		return codes.ResourceExhausted
	case parleypb.ErrorCode_ERROR_CODE_FAILED_PRECONDITION:
		return codes.FailedPrecondition
	case parleypb.ErrorCode_ERROR_CODE_ALREADY_EXISTS:
		return codes.AlreadyExists
	}
	return codes.Internal
}

// clientMessage is the text a client sees for err: room and sfu errors
// carry their detail; internal errors are not leaked.
func clientMessage(err error) string {
	if errorCode(err) == parleypb.ErrorCode_ERROR_CODE_INTERNAL {
		return "internal server error"
	}
	return err.Error()
}
