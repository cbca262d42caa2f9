package room

import (
	"fmt"
	"maps"
	"time"

	"github.com/parley-sfu/parley/sfu"
)

// Remote participants and tracks: the Cluster mirrors the participants
// connected to other nodes into the rooms of this node. A remote
// participant has no PeerConnection of its own here; its tracks' sources
// are relay receivers (sfu.NewRelayReceiver), which local participants
// subscribe to like any other track. Changes to them are told to local
// participants as events, and never back to the cluster.

// discardSink is the sink of a remote participant: its own node tells it.
type discardSink struct{}

func (discardSink) Send(Event) {}

// IsRemote reports whether the participant is connected to another node.
func (p *Participant) IsRemote() bool { return p.node != "" }

// nodeID is the node the participant is connected to.
func (p *Participant) nodeID() string {
	if p.node != "" {
		return p.node
	}
	return p.room.m.cfg.NodeID
}

// MirrorRoom returns the room of that name, creating it for a room that
// exists on another node, and applies info's settings. Nothing is told to
// the cluster, and the node's room limit does not apply: the room is
// hosted elsewhere too.
func (m *Manager) MirrorRoom(info RoomInfo) (*Room, error) {
	if err := ValidateRoomName(info.Name); err != nil {
		return nil, err
	}
	opts := RoomOptions{EmptyTimeout: info.EmptyTimeout, MaxParticipants: info.MaxParticipants, Metadata: info.Metadata}
	m.mu.Lock()
	r, ok := m.rooms[info.Name]
	if !ok {
		if m.closed {
			m.mu.Unlock()
			return nil, ErrRoomClosed
		}
		if opts.EmptyTimeout <= 0 {
			opts.EmptyTimeout = m.cfg.EmptyTimeout
		}
		if opts.MaxParticipants <= 0 {
			opts.MaxParticipants = m.cfg.MaxParticipants
		}
		r = newRoom(m, info.Name, opts)
		m.rooms[info.Name] = r
		m.mu.Unlock()
		m.log.Info("room mirrored", "room", info.Name, "sid", r.sid)
		return r, nil
	}
	m.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applyOptionsLocked(opts)
	return r, nil
}

// applyOptionsLocked takes the settings given and tells local participants
// when the metadata changed; it reports that change.
func (r *Room) applyOptionsLocked(opts RoomOptions) bool {
	if opts.EmptyTimeout > 0 {
		r.opts.EmptyTimeout = opts.EmptyTimeout
	}
	if opts.MaxParticipants > 0 {
		r.opts.MaxParticipants = opts.MaxParticipants
	}
	if opts.Metadata == "" || opts.Metadata == r.opts.Metadata {
		return false
	}
	r.opts.Metadata = opts.Metadata
	r.broadcastLocked(nil, RoomUpdatedEvent{Room: r.infoLocked()})
	return true
}

// newerJoin reports whether a participant that joined at (at, sid) replaces
// one that joined at (than, thanSID) under the same identity: the later
// join wins on every node, ties broken by sid.
func newerJoin(at time.Time, sid string, than time.Time, thanSID string) bool {
	return at.After(than) || (at.Equal(than) && sid > thanSID)
}

// AddRemoteParticipant adds a participant of another node, or updates it
// (name, metadata, attributes, permission) when its sid is known. Its
// tracks are published separately (PublishRemoteTrack). When a participant
// with the same identity is here, the one that joined last stays, as it
// does on the other node: a local one that joined earlier is removed
// (LeaveDuplicateIdentity); a remote one that joined earlier than a local
// one is ignored, and its own node removes it.
func (r *Room) AddRemoteParticipant(info ParticipantInfo) error {
	if info.NodeID == "" || info.NodeID == r.m.cfg.NodeID || info.SID == "" || info.Identity == "" {
		return fmt.Errorf("%w: a remote participant needs a sid, an identity and another node", ErrInvalidArgument)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrRoomClosed
	}
	cur := r.participants[info.Identity]
	if cur != nil && cur.sid == info.SID {
		r.updateRemoteLocked(cur, info)
		r.mu.Unlock()
		return nil
	}
	if cur != nil {
		if !newerJoin(info.JoinedAt, info.SID, cur.joinedAt, cur.sid) {
			r.mu.Unlock()
			return nil
		}
		r.removeLocked(cur, LeaveDuplicateIdentity, "another connection joined with the same identity")
	}
	p := newRemoteParticipant(r, info)
	r.participants[p.identity] = p
	r.stopEmptyTimerLocked()
	r.broadcastLocked(p, ParticipantJoinedEvent{Participant: p.infoLocked()})
	r.mu.Unlock()
	if cur != nil {
		cur.closeMedia()
	}
	r.log.Info("remote participant joined", "identity", p.identity, "sid", p.sid, "node", p.node)
	return nil
}

func newRemoteParticipant(r *Room, info ParticipantInfo) *Participant {
	p := &Participant{
		room:       r,
		sid:        info.SID,
		identity:   info.Identity,
		joinedAt:   info.JoinedAt,
		sink:       discardSink{},
		node:       info.NodeID,
		name:       info.Name,
		metadata:   info.Metadata,
		attributes: maps.Clone(info.Attributes),
		perm:       info.Permission,
		tracks:     map[string]*publishedTrack{},
		pending:    map[string]*publishedTrack{},
		subs:       map[string]*sfu.DownTrack{},
	}
	if p.attributes == nil {
		p.attributes = map[string]string{}
	}
	p.log = r.log.With("participant", p.identity, "psid", p.sid, "node", p.node)
	return p
}

// updateRemoteLocked applies what a remote participant shares and tells
// local participants if anything changed.
func (r *Room) updateRemoteLocked(p *Participant, info ParticipantInfo) {
	attrs := info.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	if p.name == info.Name && p.metadata == info.Metadata && maps.Equal(p.attributes, attrs) && samePermission(p.perm, info.Permission) {
		return
	}
	p.name, p.metadata, p.attributes, p.perm = info.Name, info.Metadata, maps.Clone(attrs), info.Permission
	r.broadcastLocked(p, ParticipantUpdatedEvent{Participant: p.infoLocked()})
}

func samePermission(a, b Permission) bool {
	if a.CanPublish != b.CanPublish || a.CanSubscribe != b.CanSubscribe || a.CanPublishData != b.CanPublishData || len(a.PublishSources) != len(b.PublishSources) {
		return false
	}
	for i := range a.PublishSources {
		if a.PublishSources[i] != b.PublishSources[i] {
			return false
		}
	}
	return true
}

// remoteLocked returns the remote participant with that sid.
func (r *Room) remoteLocked(sid string) *Participant {
	for _, p := range r.participants {
		if p.sid == sid && p.IsRemote() {
			return p
		}
	}
	return nil
}

// RemoveRemoteParticipant removes a participant of another node and its
// tracks; false when it is not here (already removed or replaced).
func (r *Room) RemoveRemoteParticipant(sid string, reason LeaveReason) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.remoteLocked(sid)
	if p == nil {
		return false
	}
	r.removeLocked(p, reason, "")
	r.log.Info("remote participant left", "identity", p.identity, "sid", p.sid, "node", p.node, "reason", reason)
	return true
}

// RemoteParticipants returns the remote participants of a node in the
// room, oldest first.
func (r *Room) RemoteParticipants(node string) []ParticipantInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ParticipantInfo
	for _, info := range r.participantInfosLocked(nil) {
		if info.Remote && info.NodeID == node {
			out = append(out, info)
		}
	}
	return out
}

// PublishRemoteTrack makes a track of a remote participant live, with src
// (a relay receiver) as its source; local participants that auto-subscribe
// receive it. Publishing a track that is already live does nothing.
func (r *Room) PublishRemoteTrack(info TrackInfo, src sfu.TrackSource) error {
	if src == nil || info.SID == "" {
		return fmt.Errorf("%w: a remote track needs a sid and a source", ErrInvalidArgument)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	owner := r.remoteLocked(info.ParticipantSID)
	if owner == nil {
		return fmt.Errorf("%w: no remote participant %q in room %q", ErrParticipantNotFound, info.ParticipantSID, r.name)
	}
	if _, live := r.tracks[info.SID]; live {
		return nil
	}
	info.Remote = true
	info.ParticipantIdentity = owner.identity
	owner.trackSeq++
	r.publishLocked(&publishedTrack{info: info, owner: owner, seq: owner.trackSeq, source: src})
	return nil
}

// remoteTrackLocked returns a live track of a remote participant.
func (r *Room) remoteTrackLocked(sid string) (*publishedTrack, error) {
	t, ok := r.tracks[sid]
	if !ok || !t.owner.IsRemote() {
		return nil, fmt.Errorf("%w: no remote track %q in room %q", ErrTrackNotFound, sid, r.name)
	}
	return t, nil
}

// UnpublishRemoteTrack removes a remote track; false when it is not live.
func (r *Room) UnpublishRemoteTrack(sid string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, err := r.remoteTrackLocked(sid)
	if err != nil {
		return false
	}
	r.unpublishLocked(t)
	return true
}

// SetRemoteTrackMuted records that a remote track was muted or unmuted and
// tells local participants.
func (r *Room) SetRemoteTrackMuted(sid string, muted bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, err := r.remoteTrackLocked(sid)
	if err != nil {
		return err
	}
	if t.info.Muted != muted {
		t.info.Muted = muted
		r.broadcastLocked(t.owner, TrackMutedEvent{TrackSID: sid, ParticipantSID: t.owner.sid, Muted: muted})
	}
	return nil
}

// DeliverRemoteData hands a data message sent on another node to the
// local participants it is for (to: identities; empty means everyone).
func (r *Room) DeliverRemoteData(ev DataEvent, to []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(to) == 0 {
		r.broadcastLocked(nil, ev)
		return
	}
	for _, id := range to {
		if p, ok := r.participants[id]; ok && !p.IsRemote() && p.sid != ev.FromSID {
			p.sink.Send(ev)
		}
	}
}

// TrackSource returns the source and info of a live track published by a
// local participant (what a relay to another node forwards).
func (r *Room) TrackSource(sid string) (sfu.TrackSource, TrackInfo, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tracks[sid]
	if !ok || t.source == nil || t.owner.IsRemote() {
		return nil, TrackInfo{}, false
	}
	return t.source, t.info, true
}

// CloseFromCluster closes a room that was deleted on another node; its
// local participants are told the room was deleted.
func (r *Room) CloseFromCluster() { r.closeAndTell(LeaveRoomDeleted, false) }
