package room

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// Sink receives the events meant for one participant, in order. Send must
// not block: the signaling session queues events and, if its client stops
// reading, ends the session rather than stall the room.
type Sink interface {
	Send(ev Event)
}

// Event is something a participant is told. The concrete types are the
// *Event structs of this file.
type Event interface{ isEvent() }

// ParticipantJoinedEvent: another participant joined.
type ParticipantJoinedEvent struct{ Participant ParticipantInfo }

// ParticipantLeftEvent: another participant left.
type ParticipantLeftEvent struct {
	SID, Identity string
	Reason        LeaveReason
}

// ParticipantUpdatedEvent: a participant (possibly the receiver itself)
// changed name, attributes, metadata or permissions.
type ParticipantUpdatedEvent struct{ Participant ParticipantInfo }

// TrackPublishedEvent: a track of another participant is live.
type TrackPublishedEvent struct{ Track TrackInfo }

// TrackUnpublishedEvent: a track went away.
type TrackUnpublishedEvent struct{ TrackSID, ParticipantSID string }

// TrackMutedEvent: a track was muted or unmuted (also sent to its publisher
// when an admin muted it).
type TrackMutedEvent struct {
	TrackSID, ParticipantSID string
	Muted                    bool
}

// DataEvent: a chat or data message from another participant.
type DataEvent struct {
	ID, Topic, Text                 string
	Payload                         []byte
	FromSID, FromIdentity, FromName string
	Time                            time.Time
}

// OfferEvent: the server's offer for the participant's subscriber PC.
type OfferEvent struct{ Offer webrtc.SessionDescription }

// CandidateEvent: a local ICE candidate of one of the participant's PCs;
// Candidate is nil when gathering completed.
type CandidateEvent struct {
	Subscriber bool
	Candidate  *webrtc.ICECandidateInit
}

// LeaveEvent: the participant was made to leave; the session should tell
// the client and end.
type LeaveEvent struct {
	Reason  LeaveReason
	Message string
}

// ICERestartEvent: one of the participant's PeerConnections lost its
// transport. For the publisher PC the client must restart ICE (an offer
// with new credentials); for the subscriber PC the server sends an
// ICE-restart offer itself and this only informs.
type ICERestartEvent struct{ Subscriber bool }

// RoomUpdatedEvent: room metadata or counts changed.
type RoomUpdatedEvent struct{ Room RoomInfo }

func (ParticipantJoinedEvent) isEvent()  {}
func (ParticipantLeftEvent) isEvent()    {}
func (ParticipantUpdatedEvent) isEvent() {}
func (TrackPublishedEvent) isEvent()     {}
func (TrackUnpublishedEvent) isEvent()   {}
func (TrackMutedEvent) isEvent()         {}
func (DataEvent) isEvent()               {}
func (OfferEvent) isEvent()              {}
func (CandidateEvent) isEvent()          {}
func (LeaveEvent) isEvent()              {}
func (RoomUpdatedEvent) isEvent()        {}
func (ICERestartEvent) isEvent()         {}
