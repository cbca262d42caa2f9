package cascade

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// demandInterval is how often the destination side compares what its
// subscribers need with what its relays carry.
const demandInterval = 100 * time.Millisecond

// relayRetry is the pause before a failed relay is opened again.
const relayRetry = time.Second

var errNotRelayed = errors.New("track is not relayed to this node")

// destRelays are this node's relay receivers (one per remote track) and
// the relay links that feed them (one per room and origin node).
type destRelays struct {
	n *Node

	mu       sync.Mutex
	tracks   map[string]*relayTrack // by track sid
	links    map[linkKey]*inLink
	sessions map[string]*inLink
	retryAt  map[linkKey]time.Time
}

type linkKey struct{ room, origin string }

// relayTrack is a remote track and its relay receiver.
type relayTrack struct {
	key         linkKey
	participant string
	recv        *sfu.Receiver
	// needed is when each layer was last demanded (for LayerLinger).
	needed [sfu.MaxLayers]time.Time
}

// inLink is the destination side of one relay: a publisher PeerConnection
// whose tracks attach to relay receivers.
type inLink struct {
	key     linkKey
	session string
	pub     *sfu.Publisher
	// Guarded by destRelays.mu.
	sent     map[string]uint8 // the demand the origin acknowledged
	sending  bool
	failed   bool
	lastNeed time.Time
}

func newDestRelays(n *Node) *destRelays {
	return &destRelays{
		n:        n,
		tracks:   map[string]*relayTrack{},
		links:    map[linkKey]*inLink{},
		sessions: map[string]*inLink{},
		retryAt:  map[linkKey]time.Time{},
	}
}

// addTrack returns the relay receiver of a remote track, creating it.
func (d *destRelays) addTrack(roomName, origin string, ts trackState) (*sfu.Receiver, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.tracks[ts.Info.SID]; ok {
		return t.recv, false
	}
	kind := webrtc.RTPCodecTypeVideo
	if ts.Info.Kind == room.KindAudio {
		kind = webrtc.RTPCodecTypeAudio
	}
	recv := d.n.engine.NewRelayReceiver(sfu.RelaySpec{
		ID: ts.Info.SID, Layers: ts.Info.Layers, StreamID: ts.Info.ParticipantSID,
		Kind: kind, Codec: ts.Codec, ActiveLayers: ts.Layers,
	})
	d.tracks[ts.Info.SID] = &relayTrack{key: linkKey{roomName, origin}, participant: ts.Info.ParticipantSID, recv: recv}
	return recv, true
}

// setOriginLayers records the layers the origin of a track receives.
func (d *destRelays) setOriginLayers(sid string, mask uint8) {
	d.mu.Lock()
	t := d.tracks[sid]
	d.mu.Unlock()
	if t != nil {
		t.recv.SetOriginLayers(mask)
	}
}

// dropTrack ends a remote track's relay receiver.
func (d *destRelays) dropTrack(sid string) {
	d.mu.Lock()
	t := d.tracks[sid]
	delete(d.tracks, sid)
	d.mu.Unlock()
	if t != nil {
		t.recv.End()
	}
}

// dropWhere ends the relay receivers that match and returns their sids.
func (d *destRelays) dropWhere(match func(*relayTrack) bool) []string {
	d.mu.Lock()
	var gone []*relayTrack
	var sids []string
	for sid, t := range d.tracks {
		if match(t) {
			gone = append(gone, t)
			sids = append(sids, sid)
			delete(d.tracks, sid)
		}
	}
	d.mu.Unlock()
	for _, t := range gone {
		t.recv.End()
	}
	return sids
}

// dropParticipant ends the relay receivers of a participant's tracks.
func (d *destRelays) dropParticipant(psid string) []string {
	return d.dropWhere(func(t *relayTrack) bool { return t.participant == psid })
}

// dropRoom ends the relay receivers of a room, and its links.
func (d *destRelays) dropRoom(name string) {
	d.dropWhere(func(t *relayTrack) bool { return t.key.room == name })
	d.closeLinks(func(k linkKey) bool { return k.room == name })
}

// dropOrigin ends everything relayed from a node.
func (d *destRelays) dropOrigin(origin string) {
	d.dropWhere(func(t *relayTrack) bool { return t.key.origin == origin })
	d.closeLinks(func(k linkKey) bool { return k.origin == origin })
}

// closeAll ends everything; tell says whether origins hear of it.
func (d *destRelays) closeAll(tell bool) {
	d.dropWhere(func(*relayTrack) bool { return true })
	d.closeLinksTelling(func(linkKey) bool { return true }, tell)
}

// closeLinks closes the links that match, telling their origins.
func (d *destRelays) closeLinks(match func(linkKey) bool) { d.closeLinksTelling(match, true) }

func (d *destRelays) closeLinksTelling(match func(linkKey) bool, tell bool) {
	d.mu.Lock()
	var gone []*inLink
	for k, l := range d.links {
		if match(k) {
			gone = append(gone, l)
			d.removeLinkLocked(l)
		}
	}
	d.mu.Unlock()
	for _, l := range gone {
		d.closeLink(l, tell)
	}
}

func (d *destRelays) removeLinkLocked(l *inLink) {
	if d.links[l.key] == l {
		delete(d.links, l.key)
	}
	delete(d.sessions, l.session)
}

// closeLink closes a link that left the maps.
func (d *destRelays) closeLink(l *inLink, tell bool) {
	_ = l.pub.Close()
	if tell {
		d.n.publish(d.n.subj.relayBye(l.key.origin), relayBye{Session: l.session, ToOrigin: true})
	}
	d.n.log.Info("relay link closed", "room", l.key.room, "from", l.key.origin, "session", l.session)
}

func (d *destRelays) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.links)
}

// run keeps the links in step with what local subscribers need.
func (d *destRelays) run(ctx context.Context) {
	tick := time.NewTicker(demandInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			d.tick(now)
		}
	}
}

// tick opens, updates and closes links: each link carries the layers the
// down-tracks of its relay receivers target, plus those they targeted
// within LayerLinger.
func (d *destRelays) tick(now time.Time) {
	d.mu.Lock()
	demand := map[linkKey]map[string]uint8{}
	for sid, t := range d.tracks {
		want := t.recv.DemandedLayers()
		var mask uint8
		for l := range t.needed {
			if want&(1<<l) != 0 {
				t.needed[l] = now
			}
			if !t.needed[l].IsZero() && now.Sub(t.needed[l]) <= d.n.cfg.LayerLinger {
				mask |= 1 << l
			}
		}
		if mask != 0 {
			if demand[t.key] == nil {
				demand[t.key] = map[string]uint8{}
			}
			demand[t.key][sid] = mask
		}
	}
	var closing []*inLink
	for key, l := range d.links {
		if l.failed {
			d.removeLinkLocked(l)
			d.retryAt[key] = now.Add(relayRetry)
			closing = append(closing, l)
		}
	}
	for key, want := range demand {
		l := d.links[key]
		if l == nil {
			if now.Before(d.retryAt[key]) {
				continue
			}
			var err error
			if l, err = d.openLinkLocked(key); err != nil {
				d.n.log.Warn("relay link not opened", "room", key.room, "from", key.origin, "err", err)
				d.retryAt[key] = now.Add(relayRetry)
				continue
			}
		}
		l.lastNeed = now
		if !l.sending && !maps.Equal(l.sent, want) {
			l.sending = true
			d.n.wg.Go(func() { d.sendDemand(l, want) })
		}
	}
	for key, l := range d.links {
		if demand[key] == nil && now.Sub(l.lastNeed) > d.n.cfg.RelayIdleTimeout {
			d.removeLinkLocked(l)
			closing = append(closing, l)
		}
	}
	d.mu.Unlock()
	for _, l := range closing {
		d.closeLink(l, true)
	}
}

// openLinkLocked creates the destination side of a relay.
func (d *destRelays) openLinkLocked(key linkKey) (*inLink, error) {
	l := &inLink{key: key, session: randomID()}
	pub, err := d.n.engine.NewPublisher(sfu.PublisherConfig{
		ParticipantID: "relay-" + key.origin,
		Relay:         true,
		ResolveTrack: func(cid string, _ webrtc.RTPCodecType) (sfu.TrackSpec, error) {
			return sfu.TrackSpec{}, fmt.Errorf("%w: %s", errNotRelayed, cid)
		},
		AttachTrack: func(cid string, _ webrtc.RTPCodecType) (*sfu.Receiver, int8, bool) {
			return d.attach(key, cid)
		},
		OnICECandidate: func(c *webrtc.ICECandidateInit) {
			if c != nil {
				d.n.publish(d.n.subj.relayICE(key.origin), relayICE{Session: l.session, ToOrigin: true, Candidate: c})
			}
		},
		OnConnectionStateChange: func(s webrtc.PeerConnectionState) {
			// Closed too: a link this node closes has left the maps
			// already, so this is the origin closing it.
			if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
				d.sessionClosed(l.session)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	l.pub = pub
	d.links[key] = l
	d.sessions[l.session] = l
	d.n.log.Info("relay link opened", "room", key.room, "from", key.origin, "session", l.session)
	return l, nil
}

// attach hands a relayed layer to its track's receiver.
func (d *destRelays) attach(key linkKey, cid string) (*sfu.Receiver, int8, bool) {
	sid, layer, ok := parseViewID(cid)
	if !ok {
		return nil, 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tracks[sid]
	if t == nil || t.key != key {
		return nil, 0, false
	}
	return t.recv, layer, true
}

// sendDemand tells the origin what the link must carry.
func (d *destRelays) sendDemand(l *inLink, want map[string]uint8) {
	var rep reply
	err := d.n.request(d.n.subj.relayReq(l.key.origin), relayRequest{
		Room: l.key.room, From: d.n.id, Session: l.session, Demand: want,
	}, &rep)
	d.mu.Lock()
	defer d.mu.Unlock()
	l.sending = false
	if err != nil {
		d.n.log.Info("relay demand not delivered; reopening the link", "room", l.key.room, "from", l.key.origin, "err", err)
		l.failed = true
		return
	}
	l.sent = want
}

// handleOffer answers an origin's offer on one of our links.
func (d *destRelays) handleOffer(m *nats.Msg) {
	var o relaySDP
	if err := decode(m.Data, &o); err != nil {
		respond(m, errorReply(fmt.Errorf("%w: %w", room.ErrInvalidArgument, err)))
		return
	}
	d.mu.Lock()
	l := d.sessions[o.Session]
	d.mu.Unlock()
	if l == nil {
		respond(m, errorReply(fmt.Errorf("%w: no relay session %q", ErrRelay, o.Session)))
		return
	}
	answer, err := l.pub.HandleOffer(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.SDP})
	if err != nil {
		respond(m, errorReply(err))
		return
	}
	respond(m, reply{SDP: answer.SDP})
}

// addCandidate adds an origin's candidate to its link.
func (d *destRelays) addCandidate(session string, c webrtc.ICECandidateInit) {
	d.mu.Lock()
	l := d.sessions[session]
	d.mu.Unlock()
	if l != nil {
		_ = l.pub.AddICECandidate(c)
	}
}

// sessionClosed marks a link whose origin closed it or whose transport
// failed; the next tick reopens it if it is still needed.
func (d *destRelays) sessionClosed(session string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if l := d.sessions[session]; l != nil {
		l.failed = true
	}
}

// stats lists what each relay receiver gets, per attached layer.
func (d *destRelays) stats() []RelayStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []RelayStats
	for sid, t := range d.tracks {
		attached := t.recv.AttachedLayers()
		st := t.recv.Stats()
		for l := range int8(sfu.MaxLayers) {
			if attached&(1<<l) != 0 {
				out = append(out, RelayStats{
					Room: t.key.room, Peer: t.key.origin, Track: sid, Layer: l,
					Packets: st.Layers[l].Packets, Bytes: st.Layers[l].Bytes,
				})
			}
		}
	}
	return out
}
