package client

import (
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// Event is something that happened in the room. The concrete types are
// listed below; switch on them:
//
//	for ev := range room.Events() {
//		switch ev := ev.(type) {
//		case client.TrackSubscribed:
//			go consume(ev.Track)
//		case client.Disconnected:
//			log.Print(ev.Reason, ev.Err)
//		}
//	}
//
// Proto messages inside events are copies: read them freely, they never
// change.
type Event interface{ isEvent() }

// ParticipantJoined: another participant joined.
type ParticipantJoined struct{ Participant *parleypb.ParticipantInfo }

// ParticipantLeft: a participant left; its tracks are gone.
type ParticipantLeft struct {
	Participant *parleypb.ParticipantInfo
	Reason      parleypb.LeaveReason
}

// ParticipantUpdated: a participant's name, metadata, attributes or
// permissions changed. Local is set when it is this participant.
type ParticipantUpdated struct {
	Participant *parleypb.ParticipantInfo
	Local       bool
}

// TrackPublished: a participant published a track.
type TrackPublished struct{ Track *parleypb.TrackInfo }

// TrackUnpublished: a track was unpublished (last known info).
type TrackUnpublished struct{ Track *parleypb.TrackInfo }

// TrackMuted: a track was muted or unmuted.
type TrackMuted struct {
	TrackSid       string
	ParticipantSid string
	Muted          bool
}

// TrackSubscribed: media of a subscribed track arrives; read Track.Track.
type TrackSubscribed struct{ Track *RemoteTrack }

// TrackUnsubscribed: the server removed a subscribed track from the
// subscriber connection (unsubscribed or unpublished).
type TrackUnsubscribed struct{ Track *RemoteTrack }

// SubscriptionFailed: the server refused a subscription (an
// ErrorResponse to the UpdateSubscriptionRequest, or a
// SubscriptionResponse with an error).
type SubscriptionFailed struct {
	TrackSid string
	Err      *Error
}

// DataReceived: a chat or data message from another participant.
type DataReceived struct {
	ID           string
	Topic        string
	Text         string
	Payload      []byte
	FromSid      string
	FromIdentity string
	FromName     string
	// Time is the server's clock when it relayed the message.
	Time time.Time
}

// SpeakersChanged: the active speakers, loudest first.
type SpeakersChanged struct{ Speakers []*parleypb.SpeakerInfo }

// StreamStateChanged: subscribed streams paused or resumed (bandwidth,
// subscriber or publisher), or switched layer.
type StreamStateChanged struct{ Streams []*parleypb.StreamStateInfo }

// SubscribedQualityChanged (dynacast): which simulcast layers of one of our
// published tracks anyone needs. Track is nil if the track is already
// unpublished.
type SubscribedQualityChanged struct {
	TrackSid  string
	Track     *LocalTrack
	Qualities []*parleypb.SubscribedQuality
}

// ConnectionQualityChanged: the server's view of participants' connection
// quality.
type ConnectionQualityChanged struct {
	Updates []*parleypb.ConnectionQualityInfo
}

// RoomUpdated: the room's metadata or counters changed.
type RoomUpdated struct{ Room *parleypb.RoomInfo }

// PeerConnectionStateChanged: the publisher or subscriber connection
// changed state (connecting, connected, disconnected, failed, closed).
// Media flows once it is connected.
type PeerConnectionStateChanged struct {
	Target parleypb.SignalTarget
	State  webrtc.PeerConnectionState
}

// Reconnecting: the signaling connection dropped (Err says how) and the
// Room is resuming its session on a new one; media keeps flowing
// meanwhile. Reconnected or Disconnected follows.
type Reconnecting struct{ Err error }

// Reconnected: the session resumed on a new signaling connection, with the
// same participant, tracks and subscriptions. The view is up to date: what
// changed in the room meanwhile was reported as the usual events before
// this one.
type Reconnected struct{}

// ErrorReceived: an ErrorResponse no call was waiting for, e.g. for a chat
// message sent without the publishData grant. Errors of subscriptions
// arrive as SubscriptionFailed instead.
type ErrorReceived struct{ Err *Error }

// EventsDropped: Count events were discarded because the event buffer was
// full; it takes the place of the missing events in the order.
type EventsDropped struct{ Count int }

// Disconnected is the last event: the session ended. Reason is the
// server's leave reason, LEAVE_REASON_CLIENT_REQUEST after Close or Leave,
// or LEAVE_REASON_CONNECTION_LOST with Err set when the stream died or
// pongs stopped.
type Disconnected struct {
	Reason       parleypb.LeaveReason
	Message      string
	CanReconnect bool
	Err          error
}

func (ParticipantJoined) isEvent()          {}
func (ParticipantLeft) isEvent()            {}
func (ParticipantUpdated) isEvent()         {}
func (TrackPublished) isEvent()             {}
func (TrackUnpublished) isEvent()           {}
func (TrackMuted) isEvent()                 {}
func (TrackSubscribed) isEvent()            {}
func (TrackUnsubscribed) isEvent()          {}
func (SubscriptionFailed) isEvent()         {}
func (DataReceived) isEvent()               {}
func (SpeakersChanged) isEvent()            {}
func (StreamStateChanged) isEvent()         {}
func (SubscribedQualityChanged) isEvent()   {}
func (ConnectionQualityChanged) isEvent()   {}
func (RoomUpdated) isEvent()                {}
func (PeerConnectionStateChanged) isEvent() {}
func (Reconnecting) isEvent()               {}
func (Reconnected) isEvent()                {}
func (ErrorReceived) isEvent()              {}
func (EventsDropped) isEvent()              {}
func (Disconnected) isEvent()               {}
