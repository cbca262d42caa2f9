// Package signaling speaks Parley's signaling protocol (proto/parley/v1) to
// clients and turns it into calls on package room.
//
// One [session] implementation serves two transports: the gRPC
// bidirectional stream Signal.Connect (SDKs, bots) and a WebSocket at
// /signal carrying the protobuf JSON mapping in text frames (browsers). The
// package also serves the unary RoomService, the dev-mode guest-token
// endpoint, and maps every error a client can see to a protocol ErrorCode in
// one place (errors.go).
package signaling
