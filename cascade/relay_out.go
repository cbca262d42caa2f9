package cascade

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// originRelays are the relay sessions this node sends local tracks on,
// one per room and destination node, created and updated by the
// destinations' requests.
type originRelays struct {
	n *Node

	mu       sync.Mutex
	sessions map[string]*outSession // by session id
}

func newOriginRelays(n *Node) *originRelays {
	return &originRelays{n: n, sessions: map[string]*outSession{}}
}

// outSession is the origin side of one relay: a subscriber PeerConnection
// with one down-track per relayed layer.
type outSession struct {
	o    *originRelays
	id   string
	room string
	peer string
	sub  *sfu.Subscriber
	// offers go to the destination one at a time, from run.
	offers chan webrtc.SessionDescription
	done   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	views  map[string]*layerView // by view id
	closed bool
}

// handleRequest applies a destination's demand, opening its session.
func (o *originRelays) handleRequest(m *nats.Msg) {
	var req relayRequest
	if err := decode(m.Data, &req); err != nil {
		respond(m, errorReply(fmt.Errorf("%w: %w", room.ErrInvalidArgument, err)))
		return
	}
	if req.Session == "" || !subjectToken.MatchString(req.From) || room.ValidateRoomName(req.Room) != nil {
		respond(m, errorReply(fmt.Errorf("%w: relay request needs a session, a node and a room", room.ErrInvalidArgument)))
		return
	}
	s, err := o.session(req)
	if err != nil {
		respond(m, errorReply(err))
		return
	}
	if err := s.apply(req.Demand); err != nil {
		respond(m, errorReply(err))
		return
	}
	respond(m, reply{})
}

// session returns the session of a request, opening it (and closing an
// older one of the same room and destination, which it replaces).
func (o *originRelays) session(req relayRequest) (*outSession, error) {
	o.mu.Lock()
	if s, ok := o.sessions[req.Session]; ok {
		o.mu.Unlock()
		return s, nil
	}
	var stale []*outSession
	for _, s := range o.sessions {
		if s.room == req.Room && s.peer == req.From {
			stale = append(stale, s)
		}
	}
	o.mu.Unlock()
	for _, s := range stale {
		s.close(false)
	}

	s := &outSession{
		o: o, id: req.Session, room: req.Room, peer: req.From,
		offers: make(chan webrtc.SessionDescription, 4),
		done:   make(chan struct{}),
		views:  map[string]*layerView{},
	}
	sub, err := o.n.engine.NewSubscriber(sfu.SubscriberConfig{
		ParticipantID:           "relay-" + req.From,
		Relay:                   true,
		OnOffer:                 s.queueOffer,
		OnICECandidate:          s.sendCandidate,
		OnConnectionStateChange: s.onState,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRelay, err)
	}
	s.sub = sub
	o.mu.Lock()
	o.sessions[s.id] = s
	o.mu.Unlock()
	s.wg.Go(s.run)
	o.n.log.Info("relay session opened", "room", s.room, "to", s.peer, "session", s.id)
	return s, nil
}

// apply makes the session carry exactly the demanded layers of the room's
// local tracks (unknown tracks are skipped: they were unpublished).
func (s *outSession) apply(demand map[string]uint8) error {
	r, ok := s.o.n.rooms.Room(s.room)
	if !ok {
		return fmt.Errorf("%w: %q", room.ErrRoomNotFound, s.room)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("%w: session closed", ErrRelay)
	}
	want := map[string]bool{}
	for sid, mask := range demand {
		src, _, ok := r.TrackSource(sid)
		if !ok {
			continue
		}
		for l := range int8(sfu.MaxLayers) {
			if mask&(1<<l) == 0 {
				continue
			}
			v := newLayerView(src, l)
			want[v.id] = true
			if _, ok := s.views[v.id]; ok {
				continue
			}
			if _, err := s.sub.AddTrack(v, sfu.Preferences{}); err != nil {
				s.o.n.log.Warn("relay layer not added", "view", v.id, "err", err)
				continue
			}
			s.views[v.id] = v
		}
	}
	for id := range s.views {
		if !want[id] {
			delete(s.views, id)
			_ = s.sub.RemoveTrack(id)
		}
	}
	return nil
}

// queueOffer hands the subscriber's offer to run (sfu calls it in turn).
func (s *outSession) queueOffer(offer webrtc.SessionDescription) {
	select {
	case s.offers <- offer:
	case <-s.done:
	}
}

// run sends each offer to the destination and applies its answer.
func (s *outSession) run() {
	for {
		select {
		case <-s.done:
			return
		case offer := <-s.offers:
			var rep reply
			err := s.o.n.request(s.o.n.subj.relaySDP(s.peer), relaySDP{Session: s.id, SDP: offer.SDP}, &rep)
			if err == nil {
				err = s.sub.HandleAnswer(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: rep.SDP})
			}
			if err != nil {
				s.o.n.log.Info("relay negotiation failed; closing the session", "room", s.room, "to", s.peer, "err", err)
				go s.close(true)
				return
			}
		}
	}
}

func (s *outSession) sendCandidate(c *webrtc.ICECandidateInit) {
	if c != nil {
		s.o.n.publish(s.o.n.subj.relayICE(s.peer), relayICE{Session: s.id, Candidate: c})
	}
}

func (s *outSession) onState(state webrtc.PeerConnectionState) {
	if state == webrtc.PeerConnectionStateFailed || state == webrtc.PeerConnectionStateClosed {
		// Not from inside pion's callback: closing waits for it.
		go s.close(true)
	}
}

// close ends the session; tell says the destination should hear of it.
func (s *outSession) close(tell bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.o.mu.Lock()
	delete(s.o.sessions, s.id)
	s.o.mu.Unlock()
	close(s.done)
	s.wg.Wait()
	_ = s.sub.Close()
	if tell {
		s.o.n.publish(s.o.n.subj.relayBye(s.peer), relayBye{Session: s.id})
	}
	s.o.n.log.Info("relay session closed", "room", s.room, "to", s.peer, "session", s.id)
}

// addCandidate adds a destination's candidate to its session.
func (o *originRelays) addCandidate(session string, c webrtc.ICECandidateInit) {
	o.mu.Lock()
	s := o.sessions[session]
	o.mu.Unlock()
	if s != nil {
		_ = s.sub.AddICECandidate(c)
	}
}

// closeSession closes a session its destination closed.
func (o *originRelays) closeSession(session string, tell bool) {
	o.mu.Lock()
	s := o.sessions[session]
	o.mu.Unlock()
	if s != nil {
		s.close(tell)
	}
}

// closePeer closes every session to a node (it left the cluster).
func (o *originRelays) closePeer(peer string) {
	for _, s := range o.list() {
		if s.peer == peer {
			s.close(false)
		}
	}
}

func (o *originRelays) closeAll() {
	for _, s := range o.list() {
		s.close(false)
	}
}

func (o *originRelays) list() []*outSession {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Collect(maps.Values(o.sessions))
}

func (o *originRelays) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sessions)
}

// stats lists what each session sends, per relayed layer.
func (o *originRelays) stats() []RelayStats {
	var out []RelayStats
	for _, s := range o.list() {
		s.mu.Lock()
		for id := range s.views {
			sid, layer, _ := parseViewID(id)
			st := RelayStats{Room: s.room, Peer: s.peer, Outbound: true, Track: sid, Layer: layer}
			if dt, ok := s.sub.DownTrack(id); ok {
				ds := dt.Stats()
				st.Packets, st.Bytes = ds.PacketsSent, ds.BytesSent
			}
			out = append(out, st)
		}
		s.mu.Unlock()
	}
	return out
}
