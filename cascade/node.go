package cascade

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// Options are the collaborators of a [Node].
type Options struct {
	// NodeID names this node in the cluster; letters, digits, '-', '_'.
	NodeID string
	Rooms  *room.Manager
	Engine *sfu.Engine
	Logger *slog.Logger
}

// Node is this Parley node's membership in a cluster: it implements
// room.Cluster for its rooms, mirrors the other nodes into them and relays
// media between nodes. Create it with [New]; stop it with Close.
type Node struct {
	cfg    Config
	id     string
	inst   string
	subj   subjects
	rooms  *room.Manager
	engine *sfu.Engine
	log    *slog.Logger

	nc   *nats.Conn
	subs []*nats.Subscription
	ob   *outbox
	dir  *directory
	out  *originRelays
	in   *destRelays

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	connected    atomic.Bool
	publishFails atomic.Uint64
}

// New connects to NATS and joins the cluster; it connects the rooms of
// opts.Rooms to it (room.Manager.SetCluster). When NATS cannot be reached
// yet the node runs alone and keeps trying.
func New(cfg Config, opts Options) (*Node, error) {
	if opts.Rooms == nil || opts.Engine == nil {
		return nil, errors.New("cascade: Options.Rooms and Options.Engine are required")
	}
	if !cfg.Enabled() {
		return nil, fmt.Errorf("%w: no NATS URL", ErrInvalidConfig)
	}
	if err := cfg.validate(opts.NodeID); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Node{
		cfg:    cfg,
		id:     opts.NodeID,
		inst:   randomID(),
		subj:   subjects{prefix: cfg.SubjectPrefix},
		rooms:  opts.Rooms,
		engine: opts.Engine,
		log:    opts.Logger.With("component", "cascade"),
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.ob = newOutbox(n)
	n.dir = newDirectory(n)
	n.out = newOriginRelays(n)
	n.in = newDestRelays(n)

	natsOpts, err := cfg.natsOptions(n.id)
	if err != nil {
		return nil, err
	}
	natsOpts = append(natsOpts,
		nats.ConnectHandler(n.onConnect),
		nats.ReconnectHandler(n.onConnect),
		nats.DisconnectErrHandler(n.onDisconnect),
		nats.ClosedHandler(n.onClosed),
	)
	if n.nc, err = nats.Connect(cfg.URL, natsOpts...); err != nil {
		return nil, fmt.Errorf("cascade: connect to NATS: %w", err)
	}
	if n.nc.IsConnected() {
		n.connected.Store(true)
		n.dir.connectedNow()
	}
	if err := n.subscribe(); err != nil {
		n.nc.Close()
		return nil, err
	}
	opts.Rooms.SetCluster(n)
	n.goTracked(n.ob.run)
	n.goTracked(n.dir.run)
	n.goTracked(n.in.run)
	n.log.Info("joined the cluster", "node", n.id, "instance", n.inst, "nats", cfg.URL, "connected", n.nc.IsConnected())
	return n, nil
}

// subscribe listens on every subject of this node.
func (n *Node) subscribe() error {
	handlers := []struct {
		subject string
		handle  nats.MsgHandler
	}{
		{n.subj.allEvents(), n.dir.receive},
		{n.subj.sync(n.id), n.handleSync},
		{n.subj.control(n.id), n.handleControl},
		{n.subj.relayReq(n.id), n.out.handleRequest},
		{n.subj.relaySDP(n.id), n.in.handleOffer},
		{n.subj.relayICE(n.id), n.handleICE},
		{n.subj.relayBye(n.id), n.handleBye},
	}
	for _, h := range handlers {
		sub, err := n.nc.Subscribe(h.subject, h.handle)
		if err != nil {
			return fmt.Errorf("cascade: subscribe %s: %w", h.subject, err)
		}
		// Events must not be dropped for a slow moment; a gap would cost
		// a snapshot.
		_ = sub.SetPendingLimits(64<<10, 64<<20)
		n.subs = append(n.subs, sub)
	}
	return nil
}

// ID returns the node id.
func (n *Node) ID() string { return n.id }

// Connected reports whether the node currently reaches NATS.
func (n *Node) Connected() bool { return n.connected.Load() }

func (n *Node) onConnect(*nats.Conn) {
	n.connected.Store(true)
	n.log.Info("connected to NATS; resynchronising")
	n.dir.connectedNow()
}

func (n *Node) onDisconnect(_ *nats.Conn, err error) {
	n.connected.Store(false)
	if n.ctx.Err() == nil {
		n.log.Warn("lost NATS; local rooms and relays go on", "err", err)
	}
}

// onClosed reports a connection NATS ended for good (it refused the
// node's credentials): the node runs alone until restarted.
func (n *Node) onClosed(nc *nats.Conn) {
	n.connected.Store(false)
	if n.ctx.Err() == nil {
		n.log.Error("NATS closed the connection for good; this node runs alone", "err", nc.LastError())
	}
}

// goTracked runs f until the node closes.
func (n *Node) goTracked(f func(context.Context)) {
	n.wg.Go(func() { f(n.ctx) })
}

// publish sends v on subject; failures are counted (a gap the receivers
// repair).
func (n *Node) publish(subject string, v any) {
	if err := n.nc.Publish(subject, encode(v)); err != nil {
		if n.publishFails.Add(1) == 1 {
			n.log.Warn("publish failed", "subject", subject, "err", err)
		}
	}
}

// request sends v to subject and decodes the reply into out; a reply
// carrying an error returns it.
func (n *Node) request(subject string, v any, out *reply) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.cfg.RequestTimeout)
	defer cancel()
	msg, err := n.nc.RequestWithContext(ctx, subject, encode(v))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNodeUnavailable, subject, err)
	}
	if err := decode(msg.Data, out); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNodeUnavailable, subject, err)
	}
	return out.err()
}

// respond answers a request; the asker may have given up.
func respond(m *nats.Msg, r reply) {
	if m.Reply != "" {
		_ = m.Respond(encode(r))
	}
}

// Publish hands a change of a local room to the cluster (room.Cluster).
func (n *Node) Publish(r *room.Room, ev room.Event) { n.ob.push(r.Name(), ev) }

// RemoveRemote asks the node of p to remove it (room.Cluster).
func (n *Node) RemoveRemote(r *room.Room, p room.ParticipantInfo, reason room.LeaveReason, message string) error {
	var rep reply
	return n.request(n.subj.control(p.NodeID), controlRequest{
		Op: "remove", Room: r.Name(), Identity: p.Identity, SID: p.SID, Reason: reason, Message: message,
	}, &rep)
}

// MuteRemote asks the node of p to mute one of its tracks (room.Cluster).
func (n *Node) MuteRemote(r *room.Room, p room.ParticipantInfo, trackSID string, muted bool) (room.TrackInfo, error) {
	var rep reply
	err := n.request(n.subj.control(p.NodeID), controlRequest{
		Op: "mute", Room: r.Name(), Identity: p.Identity, SID: p.SID, TrackSID: trackSID, Muted: muted,
	}, &rep)
	if err != nil {
		return room.TrackInfo{}, err
	}
	if rep.Track == nil {
		return room.TrackInfo{}, fmt.Errorf("%w: mute reply without the track", ErrNodeUnavailable)
	}
	return *rep.Track, nil
}

// handleControl acts on a local participant for another node.
func (n *Node) handleControl(m *nats.Msg) {
	var req controlRequest
	if err := decode(m.Data, &req); err != nil {
		respond(m, errorReply(fmt.Errorf("%w: %w", room.ErrInvalidArgument, err)))
		return
	}
	r, ok := n.rooms.Room(req.Room)
	if !ok {
		respond(m, errorReply(fmt.Errorf("%w: %q", room.ErrRoomNotFound, req.Room)))
		return
	}
	p, ok := r.Participant(req.Identity)
	if !ok || p.IsRemote() || (req.SID != "" && p.SID() != req.SID) {
		respond(m, errorReply(fmt.Errorf("%w: %q is not on node %s", room.ErrParticipantNotFound, req.Identity, n.id)))
		return
	}
	switch req.Op {
	case "remove":
		if err := p.Remove(req.Reason, req.Message); err != nil {
			respond(m, errorReply(err))
			return
		}
		respond(m, reply{})
	case "mute":
		info, err := p.SetTrackMuted(req.TrackSID, req.Muted, true)
		if err != nil {
			respond(m, errorReply(err))
			return
		}
		respond(m, reply{Track: &info})
	default:
		respond(m, errorReply(fmt.Errorf("%w: unknown operation %q", room.ErrInvalidArgument, req.Op)))
	}
}

// handleSync answers a snapshot request.
func (n *Node) handleSync(m *nats.Msg) {
	if m.Reply != "" {
		_ = m.Respond(encode(n.snapshot()))
	}
}

// snapshot describes this node's rooms (empty ones too: a room created
// through the RoomService exists before anyone joins it) with their local
// participants.
func (n *Node) snapshot() snapshot {
	// The number is taken first: everything it counts is in the state
	// read below, and what follows it is replayed on top (events set
	// state, so replaying one already reflected changes nothing).
	s := snapshot{Node: n.id, Inst: n.inst, Seq: n.ob.seq.Load()}
	for _, r := range n.rooms.Rooms() {
		var rs roomState
		for _, p := range r.Participants() {
			if p.Remote {
				continue
			}
			for _, t := range p.Tracks {
				rs.Tracks = append(rs.Tracks, n.trackState(r.Name(), t))
			}
			rs.Participants = append(rs.Participants, *withoutTracks(p))
		}
		rs.Info = r.Info()
		s.Rooms = append(s.Rooms, rs)
	}
	return s
}

// trackState completes a local track's info with what relays need.
func (n *Node) trackState(roomName string, info room.TrackInfo) trackState {
	ts := trackState{Info: info}
	if r, ok := n.rooms.Room(roomName); ok {
		if src, _, ok := r.TrackSource(info.SID); ok {
			ts.Codec = src.Codec()
			ts.Layers = activeMask(src)
		}
	}
	return ts
}

// handleICE passes a trickled candidate to its relay session.
func (n *Node) handleICE(m *nats.Msg) {
	var c relayICE
	if decode(m.Data, &c) != nil || c.Candidate == nil {
		return
	}
	if c.ToOrigin {
		n.out.addCandidate(c.Session, *c.Candidate)
	} else {
		n.in.addCandidate(c.Session, *c.Candidate)
	}
}

// handleBye closes a relay session its peer closed.
func (n *Node) handleBye(m *nats.Msg) {
	var b relayBye
	if decode(m.Data, &b) != nil {
		return
	}
	if b.ToOrigin {
		n.out.closeSession(b.Session, false)
	} else {
		n.in.sessionClosed(b.Session)
	}
}

// Close leaves the cluster: the events still queued are sent, then a
// goodbye (so other nodes drop what is left of this node at once), and the
// relays close. Close the rooms first, so that other nodes hear every
// local participant leave.
func (n *Node) Close() error {
	n.stop(true)
	return nil
}

// Abort leaves the cluster as a crash would: no goodbye, nothing more
// sent; other nodes notice through the heartbeat timeout. For tests.
func (n *Node) Abort() { n.stop(false) }

func (n *Node) stop(graceful bool) {
	n.closeOnce.Do(func() {
		if !graceful {
			n.nc.Close()
		}
		for _, s := range n.subs {
			_ = s.Unsubscribe()
		}
		n.cancel()
		n.wg.Wait() // the outbox sent what was queued
		n.out.closeAll()
		n.in.closeAll(graceful)
		if graceful && !n.nc.IsClosed() {
			n.ob.heartbeat(msgBye)
			if err := n.nc.FlushTimeout(n.cfg.RequestTimeout); err != nil {
				n.log.Warn("goodbye not flushed", "err", err)
			}
			n.nc.Close()
		}
		n.log.Info("left the cluster", "graceful", graceful)
	})
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
