package room

import (
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/parley-sfu/parley/sfu"
)

// JoinInfo is what a joining participant learns about the room.
type JoinInfo struct {
	Room   RoomInfo
	Self   ParticipantInfo
	Others []ParticipantInfo
}

// Room is one meeting: participants, their tracks and subscriptions.
type Room struct {
	m       *Manager
	sid     string
	name    string
	created time.Time
	log     *slog.Logger

	// mu guards everything below and the mutable state of every participant
	// of the room (see the package doc).
	mu           sync.Mutex
	opts         RoomOptions
	participants map[string]*Participant // by identity
	tracks       map[string]*publishedTrack
	closed       bool
	emptyTimer   *time.Timer
	speakers     *sfu.SpeakerDetector // with the first audio track (see media.go)
	speaking     []string             // participant sids speaking now
}

func newRoom(m *Manager, name string, opts RoomOptions) *Room {
	r := &Room{
		m:            m,
		sid:          newID("RM_"),
		name:         name,
		created:      time.Now(),
		log:          m.log.With("room", name),
		opts:         opts,
		participants: map[string]*Participant{},
		tracks:       map[string]*publishedTrack{},
	}
	r.armEmptyTimerLocked()
	return r
}

// Name returns the room name.
func (r *Room) Name() string { return r.name }

// SID returns the room's server id.
func (r *Room) SID() string { return r.sid }

// Info returns a snapshot of the room.
func (r *Room) Info() RoomInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.infoLocked()
}

func (r *Room) infoLocked() RoomInfo {
	publishers := 0
	for _, p := range r.participants {
		if len(p.tracks) > 0 {
			publishers++
		}
	}
	return RoomInfo{
		SID:             r.sid,
		Name:            r.name,
		EmptyTimeout:    r.opts.EmptyTimeout,
		MaxParticipants: r.opts.MaxParticipants,
		CreatedAt:       r.created,
		Metadata:        r.opts.Metadata,
		NumParticipants: len(r.participants),
		NumPublishers:   publishers,
	}
}

// Participants returns snapshots of all participants, oldest first.
func (r *Room) Participants() []ParticipantInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.participantInfosLocked(nil)
}

// Participant returns the participant with that identity.
func (r *Room) Participant(identity string) (*Participant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.participants[identity]
	return p, ok
}

func (r *Room) participantInfosLocked(except *Participant) []ParticipantInfo {
	out := make([]ParticipantInfo, 0, len(r.participants))
	for _, p := range r.participants {
		if p != except {
			out = append(out, p.infoLocked())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JoinedAt.Before(out[j].JoinedAt) })
	return out
}

func (r *Room) update(opts RoomOptions) {
	r.mu.Lock()
	defer r.mu.Unlock()
	before := r.opts
	r.applyOptionsLocked(opts)
	if r.opts != before {
		r.tellClusterLocked(RoomUpdatedEvent{Room: r.infoLocked()})
	}
}

// join adds a participant; a participant with the same identity is replaced
// and told why.
func (r *Room) join(params ParticipantParams) (*Participant, JoinInfo, error) {
	if params.Identity == "" {
		return nil, JoinInfo{}, fmt.Errorf("%w: identity is empty", ErrInvalidArgument)
	}
	p, err := newParticipant(r, params)
	if err != nil {
		return nil, JoinInfo{}, err
	}

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		p.closeMedia()
		return nil, JoinInfo{}, ErrRoomClosed
	}
	old := r.participants[params.Identity]
	count := len(r.participants)
	if old != nil {
		count--
	}
	if max := r.opts.MaxParticipants; max > 0 && count >= max {
		r.mu.Unlock()
		p.closeMedia()
		return nil, JoinInfo{}, fmt.Errorf("%w: %q has its maximum of %d participants", ErrRoomFull, r.name, max)
	}
	if old != nil {
		r.removeLocked(old, LeaveDuplicateIdentity, "another connection joined with the same identity")
	}
	r.participants[p.identity] = p
	r.stopEmptyTimerLocked()
	info := JoinInfo{Room: r.infoLocked(), Self: p.infoLocked(), Others: r.participantInfosLocked(p)}
	r.broadcastLocked(p, ParticipantJoinedEvent{Participant: info.Self})
	r.tellClusterLocked(ParticipantJoinedEvent{Participant: info.Self})
	if p.autoSubscribe && p.perm.CanSubscribe {
		for _, t := range r.tracks {
			if t.owner != p && t.source != nil {
				p.subscribeLocked(t, sfu.Preferences{})
			}
		}
	}
	r.mu.Unlock()

	if old != nil {
		old.closeMedia()
	}
	r.log.Info("participant joined", "identity", p.identity, "sid", p.sid, "replaced", old != nil)
	return p, info, nil
}

// remove takes a participant out of the room and closes its media.
func (r *Room) remove(p *Participant, reason LeaveReason, message string) {
	r.mu.Lock()
	removed := r.participants[p.identity] == p
	if removed {
		r.removeLocked(p, reason, message)
	}
	r.mu.Unlock()
	if removed {
		p.closeMedia()
		r.log.Info("participant left", "identity", p.identity, "sid", p.sid, "reason", reason)
	}
}

// removeLocked unpublishes p's tracks, drops its subscriptions, tells the
// others and p itself (unless p asked to leave). The caller closes p's media
// after unlocking.
func (r *Room) removeLocked(p *Participant, reason LeaveReason, message string) {
	delete(r.participants, p.identity)
	p.closed = true
	p.live.stop()
	for _, t := range p.tracks {
		r.unpublishLocked(t)
	}
	p.pending = map[string]*publishedTrack{}
	for sid := range p.subs {
		p.unsubscribeLocked(sid)
	}
	left := ParticipantLeftEvent{SID: p.sid, Identity: p.identity, Reason: reason}
	r.broadcastLocked(p, left)
	if !p.IsRemote() {
		r.tellClusterLocked(left)
	}
	if reason != LeaveClientRequest {
		p.sink.Send(LeaveEvent{Reason: reason, Message: message})
	}
	if len(r.participants) == 0 {
		r.armEmptyTimerLocked()
	}
}

// unpublishLocked removes a track from the room and from every subscriber.
func (r *Room) unpublishLocked(t *publishedTrack) {
	if r.tracks[t.info.SID] != t {
		return
	}
	delete(r.tracks, t.info.SID)
	delete(t.owner.tracks, t.info.SID)
	r.unwatchSpeakerLocked(t)
	for _, p := range r.participants {
		if _, ok := p.subs[t.info.SID]; ok {
			p.unsubscribeLocked(t.info.SID)
		}
	}
	if t.source != nil {
		ev := TrackUnpublishedEvent{TrackSID: t.info.SID, ParticipantSID: t.owner.sid}
		r.broadcastLocked(t.owner, ev)
		if !t.owner.IsRemote() {
			r.tellClusterLocked(ev)
		}
	}
}

// publishLocked makes an announced track live once its media arrived.
func (r *Room) publishLocked(t *publishedTrack) {
	r.tracks[t.info.SID] = t
	t.owner.tracks[t.info.SID] = t
	r.watchSpeakerLocked(t)
	r.broadcastLocked(t.owner, TrackPublishedEvent{Track: t.info})
	if !t.owner.IsRemote() {
		r.tellClusterLocked(TrackPublishedEvent{Track: t.info})
	}
	for _, p := range r.participants {
		if p != t.owner && p.autoSubscribe && p.perm.CanSubscribe {
			p.subscribeLocked(t, sfu.Preferences{})
		}
	}
}

// broadcastLocked sends ev to every participant except skip.
func (r *Room) broadcastLocked(skip *Participant, ev Event) {
	for _, p := range r.participants {
		if p != skip {
			p.sink.Send(ev)
		}
	}
}

// close removes every participant with reason and closes the room; a
// deleted room is deleted on the whole cluster.
func (r *Room) close(reason LeaveReason) { r.closeAndTell(reason, reason == LeaveRoomDeleted) }

// closeAndTell is close, telling the cluster when tell is set.
func (r *Room) closeAndTell(reason LeaveReason, tell bool) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	gone := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		gone = append(gone, p)
	}
	for _, p := range gone {
		r.removeLocked(p, reason, "")
	}
	if tell {
		r.tellClusterLocked(RoomClosedEvent{Reason: reason})
	}
	r.markClosedLocked()
	r.mu.Unlock()
	for _, p := range gone {
		p.closeMedia()
	}
	r.log.Info("room closed", "sid", r.sid, "reason", reason)
}

// markClosedLocked closes the room and drops it from the manager in one
// step, so a join either lands before (and keeps the room open) or finds the
// room gone and creates a fresh one. Lock order: room, then manager.
func (r *Room) markClosedLocked() {
	r.closed = true
	r.stopEmptyTimerLocked()
	r.stopSpeakersLocked()
	r.m.forget(r)
}

func (r *Room) armEmptyTimerLocked() {
	r.stopEmptyTimerLocked()
	r.emptyTimer = time.AfterFunc(r.opts.EmptyTimeout, r.closeIfEmpty)
}

func (r *Room) stopEmptyTimerLocked() {
	if r.emptyTimer != nil {
		r.emptyTimer.Stop()
		r.emptyTimer = nil
	}
}

func (r *Room) closeIfEmpty() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.participants) == 0 && !r.closed {
		r.markClosedLocked()
		r.log.Info("room closed", "sid", r.sid, "reason", "empty timeout")
	}
}

// track returns a live track of the room by sid.
func (r *Room) trackLocked(sid string) (*publishedTrack, error) {
	t, ok := r.tracks[sid]
	if !ok || t.source == nil {
		return nil, fmt.Errorf("%w: %q in room %q", ErrTrackNotFound, sid, r.name)
	}
	return t, nil
}
