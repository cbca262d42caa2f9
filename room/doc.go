// Package room holds rooms, participants, their published tracks and
// subscriptions, permissions and the events a room fans out.
//
// It drives the media plane (package sfu) and knows nothing of gRPC,
// WebSocket, tokens or NATS: the signaling layer turns protocol messages into
// calls on [Participant] and turns the [Event]s it receives through a [Sink]
// into protocol messages.
//
// # Locking
//
// Room.mu guards the participant set and the track registry of a room;
// Participant.mu guards one participant's own state. A room lock may be held
// while taking a participant lock, never the reverse. Neither is held while
// calling into sfu operations that may wait on the network (offers, answers)
// — only quick, non-blocking calls (adding or removing a down-track) and
// Sink.Send, which never blocks, happen under a lock, so that every
// participant sees events in the order the room decided them.
package room
