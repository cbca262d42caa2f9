package room

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/parley-sfu/parley/sfu"
)

// Limits on what a participant shares with the room.
const (
	maxAttributes     = 32
	maxAttributeKey   = 64
	maxAttributeValue = 1024
	maxNameLength     = 256
	maxMetadataLength = 16 << 10
	maxDataLength     = 16 << 10
)

// Subscribe starts (or, when already subscribed, updates) receiving a track.
func (p *Participant) Subscribe(trackSID string, prefs sfu.Preferences) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return err
	}
	if !p.perm.CanSubscribe {
		return fmt.Errorf("%w: no grant to subscribe", ErrPermissionDenied)
	}
	t, err := r.trackLocked(trackSID)
	if err != nil {
		return err
	}
	if t.owner == p {
		return fmt.Errorf("%w: cannot subscribe to an own track", ErrInvalidArgument)
	}
	if dt, ok := p.subs[trackSID]; ok {
		dt.SetPreferences(prefs)
		return nil
	}
	return p.subscribeLocked(t, prefs)
}

func (p *Participant) subscribeLocked(t *publishedTrack, prefs sfu.Preferences) error {
	dt, err := p.subscriber.AddTrack(t.source, prefs)
	if errors.Is(err, sfu.ErrAlreadySubscribed) {
		return nil
	}
	if err != nil {
		p.log.Warn("subscribe failed", "track", t.info.SID, "err", err)
		return fmt.Errorf("subscribe to %q: %w", t.info.SID, err)
	}
	dt.SetPriority(p.room.priorityLocked(t))
	p.subs[t.info.SID] = dt
	return nil
}

// Unsubscribe stops receiving a track.
func (p *Participant) Unsubscribe(trackSID string) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return err
	}
	if _, ok := p.subs[trackSID]; !ok {
		return fmt.Errorf("%w: not subscribed to %q", ErrTrackNotFound, trackSID)
	}
	p.unsubscribeLocked(trackSID)
	return nil
}

func (p *Participant) unsubscribeLocked(trackSID string) {
	delete(p.subs, trackSID)
	if p.closed {
		return // closing the subscriber PC detaches every down-track
	}
	if err := p.subscriber.RemoveTrack(trackSID); err != nil && !errors.Is(err, sfu.ErrNotSubscribed) {
		p.log.Warn("unsubscribe failed", "track", trackSID, "err", err)
	}
}

// Subscriptions returns the down-tracks of the participant by track sid.
func (p *Participant) Subscriptions() map[string]*sfu.DownTrack {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return maps.Clone(p.subs)
}

// DataMessage is a chat or data message a participant sends.
type DataMessage struct {
	Topic   string
	Text    string
	Payload []byte
	// Destinations are identities; empty means everyone else.
	Destinations []string
}

// SendData delivers a message to the other participants of the room.
func (p *Participant) SendData(msg DataMessage) error {
	if len(msg.Text)+len(msg.Payload) > maxDataLength {
		return fmt.Errorf("%w: data messages are limited to %d bytes", ErrInvalidArgument, maxDataLength)
	}
	if len(msg.Topic) > maxAttributeKey {
		return fmt.Errorf("%w: topic is longer than %d bytes", ErrInvalidArgument, maxAttributeKey)
	}
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return err
	}
	if !p.perm.CanPublishData {
		return fmt.Errorf("%w: no grant to send data", ErrPermissionDenied)
	}
	ev := DataEvent{
		ID:           newID("DM_"),
		Topic:        msg.Topic,
		Text:         msg.Text,
		Payload:      msg.Payload,
		FromSID:      p.sid,
		FromIdentity: p.identity,
		FromName:     p.name,
		Time:         time.Now(),
	}
	r.tellClusterLocked(DataSentEvent{Data: ev, To: msg.Destinations})
	if len(msg.Destinations) == 0 {
		r.broadcastLocked(p, ev)
		return nil
	}
	for _, id := range msg.Destinations {
		if to, ok := r.participants[id]; ok && to != p {
			to.sink.Send(ev)
		}
	}
	return nil
}

// ParticipantUpdate changes what a participant shares with the room. Empty
// Name and Metadata leave them as they are; an attribute with an empty
// value is deleted.
type ParticipantUpdate struct {
	Name       string
	Metadata   string
	Attributes map[string]string
}

// Update applies u and tells everyone, the participant included.
func (p *Participant) Update(u ParticipantUpdate) error {
	if err := validateUpdate(u); err != nil {
		return err
	}
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return err
	}
	next := maps.Clone(p.attributes)
	for k, v := range u.Attributes {
		if v == "" {
			delete(next, k)
		} else {
			next[k] = v
		}
	}
	if len(next) > maxAttributes {
		return fmt.Errorf("%w: at most %d attributes", ErrInvalidArgument, maxAttributes)
	}
	p.attributes = next
	if u.Name != "" {
		p.name = u.Name
	}
	if u.Metadata != "" {
		p.metadata = u.Metadata
	}
	ev := ParticipantUpdatedEvent{Participant: p.infoLocked()}
	r.broadcastLocked(nil, ev)
	r.tellClusterLocked(ev)
	return nil
}

func validateUpdate(u ParticipantUpdate) error {
	if len(u.Name) > maxNameLength {
		return fmt.Errorf("%w: name is longer than %d bytes", ErrInvalidArgument, maxNameLength)
	}
	if len(u.Metadata) > maxMetadataLength {
		return fmt.Errorf("%w: metadata is longer than %d bytes", ErrInvalidArgument, maxMetadataLength)
	}
	for k, v := range u.Attributes {
		if k == "" || len(k) > maxAttributeKey || len(v) > maxAttributeValue {
			return fmt.Errorf("%w: attribute keys have 1 to %d bytes, values up to %d", ErrInvalidArgument, maxAttributeKey, maxAttributeValue)
		}
	}
	return nil
}
