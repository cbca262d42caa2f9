package client

import "github.com/parley-sfu/parley/proto/parleypb"

// The room as the client knows it. Every accessor returns copies.

// Info is the room's current info.
func (r *Room) Info() *parleypb.RoomInfo { return r.state.roomInfo() }

// LocalParticipant is this participant as the server last described it.
func (r *Room) LocalParticipant() *parleypb.ParticipantInfo { return r.state.localInfo() }

// Participants are the other participants, by identity.
func (r *Room) Participants() []*parleypb.ParticipantInfo { return r.state.participants() }

// Participant returns the other participant with identity, or nil.
func (r *Room) Participant(identity string) *parleypb.ParticipantInfo {
	return r.state.participantByIdentity(identity)
}

// JoinResponse is the server's answer to the join (ICE servers, server
// version, node id, ping settings).
func (r *Room) JoinResponse() *parleypb.JoinResponse {
	r.linkMu.Lock()
	defer r.linkMu.Unlock()
	return clone(r.join)
}

// ResumeToken is the server's token for resuming this session, which the
// Room does by itself when its signaling connection drops (see
// WithReconnect).
func (r *Room) ResumeToken() string {
	r.linkMu.Lock()
	defer r.linkMu.Unlock()
	return r.join.GetResumeToken()
}
