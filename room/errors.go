package room

import "errors"

var (
	// ErrRoomNotFound is returned for a room that does not exist (and may not
	// be created by this call).
	ErrRoomNotFound = errors.New("room: room not found")
	// ErrRoomClosed is returned when a room closed while the call ran.
	ErrRoomClosed = errors.New("room: room closed")
	// ErrRoomExists is returned when creating a room whose name is taken
	// with different settings.
	ErrRoomExists = errors.New("room: room already exists")
	// ErrRoomFull is returned when a room has its maximum participants.
	ErrRoomFull = errors.New("room: room is full")
	// ErrTooManyTracks is returned when a participant publishes more tracks
	// than allowed.
	ErrTooManyTracks = errors.New("room: too many tracks")
	// ErrTooManyRooms is returned when the node hosts its maximum of rooms.
	ErrTooManyRooms = errors.New("room: too many rooms")
	// ErrPermissionDenied is returned when a participant lacks the
	// permission for an action.
	ErrPermissionDenied = errors.New("room: permission denied")
	// ErrParticipantNotFound is returned for an unknown identity.
	ErrParticipantNotFound = errors.New("room: participant not found")
	// ErrTrackNotFound is returned for an unknown track sid.
	ErrTrackNotFound = errors.New("room: track not found")
	// ErrInvalidArgument is returned for malformed requests (empty names,
	// duplicate track ids, wrong kinds...).
	ErrInvalidArgument = errors.New("room: invalid argument")
	// ErrParticipantClosed is returned for calls on a participant that left.
	ErrParticipantClosed = errors.New("room: participant has left")
)
