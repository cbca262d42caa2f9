package room

import (
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/sfu"
)

// ParticipantParams describe a joining participant.
type ParticipantParams struct {
	Identity   string
	Name       string
	Metadata   string
	Attributes map[string]string
	Permission Permission
	// AutoSubscribe subscribes the participant to every track of the room.
	AutoSubscribe bool
	// Sink receives the participant's events; required.
	Sink Sink
}

// Participant is one member of a room with its two PeerConnections.
type Participant struct {
	room          *Room
	sid           string
	identity      string
	joinedAt      time.Time
	sink          Sink
	autoSubscribe bool
	log           *slog.Logger

	publisher  *sfu.Publisher
	subscriber *sfu.Subscriber
	closeOnce  sync.Once
	// node is the node a remote participant is connected to (remote.go);
	// empty for a local one, which has the PeerConnections.
	node string

	// Guarded by room.mu.
	name       string
	metadata   string
	attributes map[string]string
	perm       Permission
	tracks     map[string]*publishedTrack // live, by sid
	pending    map[string]*publishedTrack // announced, no media yet, by cid
	subs       map[string]*sfu.DownTrack  // by track sid
	closed     bool
	trackSeq   int
	live       liveness
}

func newParticipant(r *Room, params ParticipantParams) (*Participant, error) {
	if params.Sink == nil {
		return nil, fmt.Errorf("%w: participant needs a sink", ErrInvalidArgument)
	}
	p := &Participant{
		room:          r,
		sid:           newID("PA_"),
		identity:      params.Identity,
		joinedAt:      time.Now(),
		sink:          params.Sink,
		autoSubscribe: params.AutoSubscribe,
		name:          params.Name,
		metadata:      params.Metadata,
		attributes:    maps.Clone(params.Attributes),
		perm:          params.Permission,
		tracks:        map[string]*publishedTrack{},
		pending:       map[string]*publishedTrack{},
		subs:          map[string]*sfu.DownTrack{},
	}
	if p.attributes == nil {
		p.attributes = map[string]string{}
	}
	p.log = r.log.With("participant", p.identity, "psid", p.sid)

	var err error
	p.publisher, err = r.m.engine.NewPublisher(sfu.PublisherConfig{
		ParticipantID:           p.sid,
		ResolveTrack:            p.resolveTrack,
		OnTrack:                 p.onTrack,
		OnICECandidate:          func(c *webrtc.ICECandidateInit) { p.sink.Send(CandidateEvent{Candidate: c}) },
		OnConnectionStateChange: func(s webrtc.PeerConnectionState) { p.onConnectionState(pcPublisher, s) },
		OnSubscribedLayers:      p.onSubscribedLayers,
	})
	if err != nil {
		return nil, fmt.Errorf("publisher connection: %w", err)
	}
	p.subscriber, err = r.m.engine.NewSubscriber(sfu.SubscriberConfig{
		ParticipantID:           p.sid,
		OnOffer:                 func(o webrtc.SessionDescription) { p.sink.Send(OfferEvent{Offer: o}) },
		OnICECandidate:          func(c *webrtc.ICECandidateInit) { p.sink.Send(CandidateEvent{Subscriber: true, Candidate: c}) },
		OnConnectionStateChange: func(s webrtc.PeerConnectionState) { p.onConnectionState(pcSubscriber, s) },
		OnStreamState:           p.onStreamState,
	})
	if err != nil {
		_ = p.publisher.Close()
		return nil, fmt.Errorf("subscriber connection: %w", err)
	}
	return p, nil
}

// SID returns the participant's server id.
func (p *Participant) SID() string { return p.sid }

// Identity returns the participant's identity.
func (p *Participant) Identity() string { return p.identity }

// Room returns the participant's room.
func (p *Participant) Room() *Room { return p.room }

// Info returns a snapshot of the participant.
func (p *Participant) Info() ParticipantInfo {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.infoLocked()
}

func (p *Participant) infoLocked() ParticipantInfo {
	tracks := make([]*publishedTrack, 0, len(p.tracks))
	for _, t := range p.tracks {
		tracks = append(tracks, t)
	}
	sort.Slice(tracks, func(i, j int) bool { return tracks[i].seq < tracks[j].seq })
	infos := make([]TrackInfo, len(tracks))
	for i, t := range tracks {
		infos[i] = t.info
	}
	return ParticipantInfo{
		SID:        p.sid,
		Identity:   p.identity,
		Name:       p.name,
		Metadata:   p.metadata,
		Attributes: maps.Clone(p.attributes),
		Tracks:     infos,
		JoinedAt:   p.joinedAt,
		Permission: p.perm,
		NodeID:     p.nodeID(),
		Remote:     p.IsRemote(),
	}
}

// checkOpenLocked returns ErrParticipantClosed once the participant left.
func (p *Participant) checkOpenLocked() error {
	if p.closed {
		return ErrParticipantClosed
	}
	return nil
}

// HandleOffer applies the client's offer on its publisher PC and returns
// the answer.
func (p *Participant) HandleOffer(offer webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	if err := p.checkOpen(); err != nil {
		return webrtc.SessionDescription{}, err
	}
	return p.publisher.HandleOffer(offer)
}

// HandleAnswer applies the client's answer to the server's subscriber offer.
func (p *Participant) HandleAnswer(answer webrtc.SessionDescription) error {
	if err := p.checkOpen(); err != nil {
		return err
	}
	return p.subscriber.HandleAnswer(answer)
}

// AddICECandidate adds a remote candidate to the publisher PC, or to the
// subscriber PC when subscriber is set.
func (p *Participant) AddICECandidate(subscriber bool, c webrtc.ICECandidateInit) error {
	if err := p.checkOpen(); err != nil {
		return err
	}
	if subscriber {
		return p.subscriber.AddICECandidate(c)
	}
	return p.publisher.AddICECandidate(c)
}

func (p *Participant) checkOpen() error {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	return p.checkOpenLocked()
}

// Leave removes the participant from its room for reason (usually
// LeaveClientRequest or LeaveConnectionLost).
func (p *Participant) Leave(reason LeaveReason) {
	p.room.remove(p, reason, "")
}

// Remove makes the participant leave and tells it why (RoomService). A
// remote participant is removed by its node, through the cluster.
func (p *Participant) Remove(reason LeaveReason, message string) error {
	if p.IsRemote() {
		if c := p.room.m.cluster; c != nil {
			return c.RemoveRemote(p.room, p.Info(), reason, message)
		}
	}
	p.room.remove(p, reason, message)
	return nil
}

// closeMedia closes both PeerConnections; idempotent.
func (p *Participant) closeMedia() {
	p.closeOnce.Do(func() {
		if p.IsRemote() {
			return // its PeerConnections are on its own node
		}
		if err := p.publisher.Close(); err != nil {
			p.log.Debug("closing publisher", "err", err)
		}
		if err := p.subscriber.Close(); err != nil {
			p.log.Debug("closing subscriber", "err", err)
		}
	})
}
