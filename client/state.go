package client

import (
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// roomState is the client's view of the room: participants with their
// tracks, and the tracks it receives. Every change and the event that
// reports it happen under mu, so events are queued in the order of the
// changes.
type roomState struct {
	mu         sync.Mutex
	events     *eventQueue
	room       *parleypb.RoomInfo
	local      *parleypb.ParticipantInfo
	remote     map[string]*parleypb.ParticipantInfo // by sid
	subscribed map[string]*RemoteTrack              // by track sid
	waiters    map[string][]chan trackResult        // WaitForTrack, by track sid
	closed     bool
}

type trackResult struct {
	track *RemoteTrack
	err   error
}

func newRoomState(join *parleypb.JoinResponse, events *eventQueue) *roomState {
	s := &roomState{
		events:     events,
		room:       clone(join.GetRoom()),
		local:      clone(join.GetParticipant()),
		remote:     make(map[string]*parleypb.ParticipantInfo),
		subscribed: make(map[string]*RemoteTrack),
		waiters:    make(map[string][]chan trackResult),
	}
	if s.room == nil {
		s.room = &parleypb.RoomInfo{}
	}
	if s.local == nil {
		s.local = &parleypb.ParticipantInfo{}
	}
	for _, p := range join.GetOtherParticipants() {
		s.remote[p.GetSid()] = clone(p)
	}
	return s
}

func clone[M proto.Message](m M) M {
	return proto.Clone(m).(M)
}

// participantLocked returns the participant with sid, the local one
// included.
func (s *roomState) participantLocked(sid string) *parleypb.ParticipantInfo {
	if sid == s.local.GetSid() {
		return s.local
	}
	return s.remote[sid]
}

func (s *roomState) participantJoined(p *parleypb.ParticipantInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remote[p.GetSid()] = clone(p)
	s.events.push(ParticipantJoined{Participant: clone(p)})
}

func (s *roomState) participantUpdated(p *parleypb.ParticipantInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	local := p.GetSid() == s.local.GetSid()
	if local {
		s.local = clone(p)
	} else {
		s.remote[p.GetSid()] = clone(p)
	}
	s.events.push(ParticipantUpdated{Participant: clone(p), Local: local})
}

func (s *roomState) participantLeft(m *parleypb.ParticipantLeft) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.remote[m.GetParticipantSid()]
	if !ok {
		p = &parleypb.ParticipantInfo{Sid: m.GetParticipantSid(), Identity: m.GetIdentity()}
	}
	delete(s.remote, m.GetParticipantSid())
	for _, rt := range s.subscribed {
		if rt.ParticipantSid() == m.GetParticipantSid() {
			s.endSubscriptionLocked(rt)
		}
	}
	s.events.push(ParticipantLeft{Participant: p, Reason: m.GetReason()})
}

func (s *roomState) trackAdded(t *parleypb.TrackInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.participantLocked(t.GetParticipantSid()); p != nil {
		i := slices.IndexFunc(p.Tracks, func(x *parleypb.TrackInfo) bool { return x.GetSid() == t.GetSid() })
		if i >= 0 {
			p.Tracks[i] = clone(t)
		} else {
			p.Tracks = append(p.Tracks, clone(t))
		}
	}
	s.events.push(TrackPublished{Track: clone(t)})
}

func (s *roomState) trackRemoved(m *parleypb.TrackUnpublished) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := &parleypb.TrackInfo{Sid: m.GetTrackSid(), ParticipantSid: m.GetParticipantSid()}
	if p := s.participantLocked(m.GetParticipantSid()); p != nil {
		p.Tracks = slices.DeleteFunc(p.Tracks, func(x *parleypb.TrackInfo) bool {
			if x.GetSid() == m.GetTrackSid() {
				info = x
				return true
			}
			return false
		})
	}
	if rt := s.subscribed[m.GetTrackSid()]; rt != nil {
		s.endSubscriptionLocked(rt)
	}
	s.events.push(TrackUnpublished{Track: info})
}

func (s *roomState) trackMuted(m *parleypb.TrackMuted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.trackLocked(m.GetTrackSid()); t != nil {
		t.Muted = m.GetMuted()
	}
	s.events.push(TrackMuted{TrackSid: m.GetTrackSid(), ParticipantSid: m.GetParticipantSid(), Muted: m.GetMuted()})
}

func (s *roomState) roomUpdated(r *parleypb.RoomInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.room = clone(r)
	s.events.push(RoomUpdated{Room: clone(r)})
}

// trackLocked finds a published track (remote or local) by sid.
func (s *roomState) trackLocked(sid string) *parleypb.TrackInfo {
	for _, p := range s.remote {
		for _, t := range p.Tracks {
			if t.GetSid() == sid {
				return t
			}
		}
	}
	for _, t := range s.local.Tracks {
		if t.GetSid() == sid {
			return t
		}
	}
	return nil
}

// describe returns a copy of the track info and publisher of sid, for a
// RemoteTrack being created.
func (s *roomState) describe(sid, participantSid string) (*parleypb.TrackInfo, *parleypb.ParticipantInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var info *parleypb.TrackInfo
	if t := s.trackLocked(sid); t != nil {
		info = clone(t)
		participantSid = t.GetParticipantSid()
	}
	var p *parleypb.ParticipantInfo
	if pp := s.participantLocked(participantSid); pp != nil {
		p = &parleypb.ParticipantInfo{Sid: pp.GetSid(), Identity: pp.GetIdentity(), Name: pp.GetName()}
	}
	return info, p
}

// subscribed records a new RemoteTrack and wakes WaitForTrack callers.
// It reports false when the room is closing.
func (s *roomState) addSubscribed(rt *RemoteTrack) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if old := s.subscribed[rt.Sid()]; old != nil && old != rt {
		s.endSubscriptionLocked(old)
	}
	s.subscribed[rt.Sid()] = rt
	s.wakeLocked(rt.Sid(), trackResult{track: rt})
	s.events.push(TrackSubscribed{Track: rt})
	return true
}

// endSubscription ends rt if it is still the subscribed track of its sid.
func (s *roomState) endSubscription(rt *RemoteTrack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subscribed[rt.Sid()] == rt {
		s.endSubscriptionLocked(rt)
	}
}

func (s *roomState) endSubscriptionLocked(rt *RemoteTrack) {
	delete(s.subscribed, rt.Sid())
	rt.end()
	s.events.push(TrackUnsubscribed{Track: rt})
}

func (s *roomState) subscriptionFailed(sid string, err *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wakeLocked(sid, trackResult{err: err})
	s.events.push(SubscriptionFailed{TrackSid: sid, Err: err})
}

func (s *roomState) wakeLocked(sid string, res trackResult) {
	for _, ch := range s.waiters[sid] {
		ch <- res
	}
	delete(s.waiters, sid)
}

// wait returns a channel that receives the subscribed track sid (at once if
// it is already subscribed) or the error that ends the wait.
func (s *roomState) wait(sid string) (chan trackResult, func()) {
	ch := make(chan trackResult, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		ch <- trackResult{err: ErrClosed}
	case s.subscribed[sid] != nil:
		ch <- trackResult{track: s.subscribed[sid]}
	default:
		s.waiters[sid] = append(s.waiters[sid], ch)
	}
	cancel := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.waiters[sid] = slices.DeleteFunc(s.waiters[sid], func(c chan trackResult) bool { return c == ch })
		if len(s.waiters[sid]) == 0 {
			delete(s.waiters, sid)
		}
	}
	return ch, cancel
}

// close fails every waiter and ends every subscribed track.
func (s *roomState) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for sid := range s.waiters {
		s.wakeLocked(sid, trackResult{err: ErrClosed})
	}
	for _, rt := range s.subscribed {
		rt.end()
	}
}

// Snapshots for the Room accessors.

func (s *roomState) roomInfo() *parleypb.RoomInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.room)
}

func (s *roomState) localInfo() *parleypb.ParticipantInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.local)
}

func (s *roomState) participants() []*parleypb.ParticipantInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*parleypb.ParticipantInfo, 0, len(s.remote))
	for _, p := range s.remote {
		out = append(out, clone(p))
	}
	slices.SortFunc(out, func(a, b *parleypb.ParticipantInfo) int {
		if c := strings.Compare(a.GetIdentity(), b.GetIdentity()); c != 0 {
			return c
		}
		return strings.Compare(a.GetSid(), b.GetSid())
	})
	return out
}

func (s *roomState) participantByIdentity(identity string) *parleypb.ParticipantInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.remote {
		if p.GetIdentity() == identity {
			return clone(p)
		}
	}
	return nil
}

func (s *roomState) subscribedTracks() []*RemoteTrack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*RemoteTrack, 0, len(s.subscribed))
	for _, rt := range s.subscribed {
		out = append(out, rt)
	}
	slices.SortFunc(out, func(a, b *RemoteTrack) int { return strings.Compare(a.Sid(), b.Sid()) })
	return out
}
