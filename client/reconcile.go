package client

import (
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// reconcile brings the view up to the room a resumed JoinResponse
// describes, and reports each difference as the event it would have been
// had the connection not dropped: the server drops the room events it
// queued for a dropped connection, since this snapshot replaces them.
func (s *roomState) reconcile(join *parleypb.JoinResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := join.GetRoom(); r != nil && !proto.Equal(r, s.room) {
		s.room = clone(r)
		s.events.push(RoomUpdated{Room: clone(r)})
	}
	next := make(map[string]bool, len(join.GetOtherParticipants()))
	for _, p := range join.GetOtherParticipants() {
		next[p.GetSid()] = true
	}
	gone := make([]string, 0)
	for sid := range s.remote {
		if !next[sid] {
			gone = append(gone, sid)
		}
	}
	slices.Sort(gone)
	for _, sid := range gone {
		p := s.remote[sid]
		delete(s.remote, sid)
		for _, rt := range s.subscribed {
			if rt.ParticipantSid() == sid {
				s.endSubscriptionLocked(rt)
			}
		}
		s.events.push(ParticipantLeft{Participant: p, Reason: parleypb.LeaveReason_LEAVE_REASON_UNSPECIFIED})
	}
	for _, p := range join.GetOtherParticipants() {
		if old := s.remote[p.GetSid()]; old != nil {
			s.remote[p.GetSid()] = s.reconcileParticipantLocked(old, p, false)
			continue
		}
		s.remote[p.GetSid()] = clone(p)
		s.events.push(ParticipantJoined{Participant: clone(p)})
	}
	if p := join.GetParticipant(); p != nil {
		s.local = s.reconcileParticipantLocked(s.local, p, true)
	}
}

// reconcileParticipantLocked reports how p differs from old (tracks
// unpublished, published and muted, then the participant's own fields)
// and returns the new info to keep. The local participant's tracks are the
// Room's own publications: only its fields are compared.
func (s *roomState) reconcileParticipantLocked(old, p *parleypb.ParticipantInfo, local bool) *parleypb.ParticipantInfo {
	if !local {
		s.reconcileTracksLocked(old, p)
	}
	a, b := clone(old), clone(p)
	a.Tracks, b.Tracks = nil, nil
	if !proto.Equal(a, b) {
		s.events.push(ParticipantUpdated{Participant: clone(p), Local: local})
	}
	return clone(p)
}

func (s *roomState) reconcileTracksLocked(old, p *parleypb.ParticipantInfo) {
	tracks := make(map[string]*parleypb.TrackInfo, len(p.GetTracks()))
	for _, t := range p.GetTracks() {
		tracks[t.GetSid()] = t
	}
	for _, t := range old.GetTracks() {
		if _, ok := tracks[t.GetSid()]; ok {
			continue
		}
		if rt := s.subscribed[t.GetSid()]; rt != nil {
			s.endSubscriptionLocked(rt)
		}
		s.events.push(TrackUnpublished{Track: clone(t)})
	}
	for _, t := range p.GetTracks() {
		i := slices.IndexFunc(old.GetTracks(), func(x *parleypb.TrackInfo) bool { return x.GetSid() == t.GetSid() })
		switch {
		case i < 0:
			s.events.push(TrackPublished{Track: clone(t)})
		case old.GetTracks()[i].GetMuted() != t.GetMuted():
			s.events.push(TrackMuted{TrackSid: t.GetSid(), ParticipantSid: p.GetSid(), Muted: t.GetMuted()})
		}
	}
}
