package cascade

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parley-sfu/parley/room"
)

// inboxSize is how many messages wait for the directory goroutine before
// the NATS subscription blocks (and, past its own limits, drops: a gap the
// sequence numbers reveal).
const inboxSize = 4096

// maxPending bounds the events held for a node while its snapshot is on
// its way; dropping more is safe, as a gap after the snapshot asks for
// another one.
const maxPending = 10_000

// directory mirrors the other nodes into this node's rooms. Its goroutine
// applies every node's event stream in order, requests snapshots when the
// stream has a gap, and expires nodes that went silent. Everything below
// is owned by that goroutine.
type directory struct {
	n     *Node
	inbox chan inboxItem
	nodes map[string]*remoteNode
	// connectedAt is when this node last (re)connected to NATS: nodes are
	// not expired for silence that may be our own.
	connectedAt time.Time
}

// inboxItem is one thing for the directory goroutine to do.
type inboxItem struct {
	msg       *nodeMsg
	snap      *snapshot // a snapshot arrived (or failed, snapErr)
	snapNode  string
	snapErr   error
	reconnect bool
}

// remoteNode is what this node knows of another.
type remoteNode struct {
	id       string
	inst     string
	lastSeen time.Time
	load     Load
	// seq is the last event applied; valid when synced.
	seq     uint64
	synced  bool
	syncing bool
	asked   time.Time
	pending []*nodeMsg // events held while a snapshot is on its way
	// participants and tracks of the node mirrored here: sid -> room.
	participants map[string]string
	tracks       map[string]string
}

func newDirectory(n *Node) *directory {
	return &directory{n: n, inbox: make(chan inboxItem, inboxSize), nodes: map[string]*remoteNode{}}
}

// receive is the NATS handler of every node's event subject.
func (d *directory) receive(m *nats.Msg) {
	msg := &nodeMsg{}
	err := decode(m.Data, msg)
	if err == nil && (msg.Node == "" || msg.Inst == "") {
		err = errors.New("no node or instance")
	}
	if err != nil {
		d.n.log.Warn("malformed cluster message ignored", "subject", m.Subject, "err", err)
		return
	}
	d.post(inboxItem{msg: msg})
}

// post hands an item to the directory goroutine.
func (d *directory) post(it inboxItem) {
	select {
	case d.inbox <- it:
	case <-d.n.ctx.Done():
	}
}

// connectedNow is called when the NATS connection is (re)established.
func (d *directory) connectedNow() {
	go d.post(inboxItem{reconnect: true})
}

func (d *directory) run(ctx context.Context) {
	tick := time.NewTicker(d.n.cfg.HeartbeatInterval / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-d.inbox:
			switch {
			case it.reconnect:
				d.resyncAll()
			case it.snap != nil || it.snapErr != nil:
				d.snapshotArrived(it)
			default:
				d.handle(it.msg)
			}
		case now := <-tick.C:
			d.expire(now)
		}
	}
}

// resyncAll asks every known node for its state again: while we were cut
// off, their events may have been lost.
func (d *directory) resyncAll() {
	d.connectedAt = time.Now()
	for _, rn := range d.nodes {
		rn.synced, rn.syncing, rn.pending = false, false, nil
		d.requestSync(rn)
	}
}

// handle applies one message of another node's stream.
func (d *directory) handle(msg *nodeMsg) {
	if msg.Node == d.n.id {
		return // another process with our id; NoEcho hides our own
	}
	rn := d.nodes[msg.Node]
	if msg.Type == msgBye {
		if rn != nil && rn.inst == msg.Inst {
			d.n.log.Info("node left the cluster", "node", rn.id)
			d.drop(rn, room.LeaveServerShutdown)
		}
		return
	}
	if rn == nil {
		rn = &remoteNode{id: msg.Node, participants: map[string]string{}, tracks: map[string]string{}}
		d.nodes[msg.Node] = rn
		d.n.log.Info("node joined the cluster", "node", rn.id)
	}
	if rn.inst != msg.Inst {
		// A new start of that node: what it had before is gone, and its
		// numbering starts over. The snapshot replaces it all.
		rn.inst, rn.synced, rn.syncing, rn.pending = msg.Inst, false, false, nil
	}
	rn.lastSeen = time.Now()
	if msg.Load != nil {
		rn.load = *msg.Load
	}
	switch {
	case msg.Type == msgHeartbeat:
		if !rn.synced || msg.Seq > rn.seq {
			// Never synced, or events were lost (the heartbeat follows
			// them on the same subject).
			rn.synced = false
			d.requestSync(rn)
		}
	case msg.Type == msgEvent && msg.Event != nil:
		switch {
		case !rn.synced:
			d.hold(rn, msg)
			d.requestSync(rn)
		case msg.Seq <= rn.seq:
			// Already applied (it was in a snapshot).
		case msg.Seq == rn.seq+1:
			rn.seq = msg.Seq
			d.apply(rn, msg.Event)
		default:
			rn.synced = false
			d.hold(rn, msg)
			d.requestSync(rn)
		}
	}
}

// hold keeps an event of a node until its snapshot arrives.
func (d *directory) hold(rn *remoteNode, msg *nodeMsg) {
	if len(rn.pending) < maxPending {
		rn.pending = append(rn.pending, msg)
	}
}

// requestSync asks a node for its snapshot unless a request is out.
func (d *directory) requestSync(rn *remoteNode) {
	if rn.syncing && time.Since(rn.asked) < 2*d.n.cfg.RequestTimeout {
		return
	}
	rn.syncing, rn.asked = true, time.Now()
	id := rn.id
	d.n.wg.Go(func() {
		it := inboxItem{snapNode: id}
		var snap snapshot
		ctx, cancel := context.WithTimeout(d.n.ctx, d.n.cfg.RequestTimeout)
		defer cancel()
		msg, err := d.n.nc.RequestWithContext(ctx, d.n.subj.sync(id), nil)
		if err == nil {
			err = decode(msg.Data, &snap)
		}
		if err != nil {
			it.snapErr = err
		} else {
			it.snap = &snap
		}
		d.post(it)
	})
}

// snapshotArrived applies a node's snapshot, then the events held since.
func (d *directory) snapshotArrived(it inboxItem) {
	rn := d.nodes[it.snapNode]
	if rn == nil {
		return // expired or gone meanwhile
	}
	rn.syncing = false
	if it.snapErr != nil {
		d.n.log.Info("snapshot request failed; retrying on the next heartbeat", "node", rn.id, "err", it.snapErr)
		return
	}
	snap := it.snap
	if snap.Inst != rn.inst {
		rn.inst = snap.Inst // its events will follow under this instance
	}
	d.reconcile(rn, snap)
	rn.seq, rn.synced = snap.Seq, true
	pending := rn.pending
	rn.pending = nil
	sort.SliceStable(pending, func(i, j int) bool { return pending[i].Seq < pending[j].Seq })
	for _, msg := range pending {
		if msg.Inst == rn.inst {
			d.handle(msg)
		}
	}
	d.n.log.Info("node synchronised", "node", rn.id, "seq", rn.seq, "rooms", len(snap.Rooms))
}

// expire drops the nodes that went silent while we were connected.
func (d *directory) expire(now time.Time) {
	if !d.n.connected.Load() || now.Sub(d.connectedAt) < d.n.cfg.NodeTimeout {
		return
	}
	for _, rn := range d.nodes {
		if now.Sub(rn.lastSeen) > d.n.cfg.NodeTimeout {
			d.n.log.Warn("node silent; removing its participants", "node", rn.id, "silent_ms", now.Sub(rn.lastSeen).Milliseconds())
			d.drop(rn, room.LeaveNodeFailure)
		}
	}
}

// drop forgets a node: its participants leave the rooms here, its tracks'
// relays close.
func (d *directory) drop(rn *remoteNode, reason room.LeaveReason) {
	delete(d.nodes, rn.id)
	for sid, roomName := range rn.participants {
		if r, ok := d.n.rooms.Room(roomName); ok {
			r.RemoveRemoteParticipant(sid, reason)
		}
	}
	d.n.in.dropOrigin(rn.id)
	d.n.out.closePeer(rn.id)
}
