package cascade

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// maxQueued bounds the events waiting while NATS is unreachable; beyond it
// the oldest are dropped, which the other nodes see as a gap and repair
// with a snapshot.
const maxQueued = 100_000

// layerPollInterval is how often the origin layers of local tracks are
// compared with what was announced.
const layerPollInterval = 250 * time.Millisecond

// outbox publishes this node's event stream, in order and numbered: the
// room events the rooms hand to Publish (under their locks, so queueing
// never blocks), heartbeats, changes of the layers local tracks receive,
// and the goodbye. Everything goes out from one goroutine on one subject,
// so that other nodes see it in this order.
type outbox struct {
	n    *Node
	kick chan struct{}
	seq  atomic.Uint64 // last event number sent

	mu      sync.Mutex
	queue   []outItem
	dropped uint64

	// local are the tracks published here, by sid (outbox goroutine only).
	local map[string]*localTrack
}

type outItem struct {
	room string
	ev   room.Event
}

type localTrack struct {
	room   string
	layers uint8
}

func newOutbox(n *Node) *outbox {
	return &outbox{n: n, kick: make(chan struct{}, 1), local: map[string]*localTrack{}}
}

// push queues a room event; it never blocks.
func (o *outbox) push(roomName string, ev room.Event) {
	o.mu.Lock()
	if len(o.queue) >= maxQueued {
		o.queue = o.queue[1:]
		o.dropped++
	}
	o.queue = append(o.queue, outItem{room: roomName, ev: ev})
	o.mu.Unlock()
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// run publishes until ctx ends, then sends what is queued and, when bye
// is set by then, the goodbye.
func (o *outbox) run(ctx context.Context) {
	hb := time.NewTicker(o.n.cfg.HeartbeatInterval)
	defer hb.Stop()
	layers := time.NewTicker(layerPollInterval)
	defer layers.Stop()
	o.heartbeat(msgHeartbeat)
	for {
		select {
		case <-ctx.Done():
			o.drain()
			return
		case <-o.kick:
			o.drain()
		case <-hb.C:
			o.heartbeat(msgHeartbeat)
		case <-layers.C:
			o.pollLayers()
		}
	}
}

// drain sends every queued event.
func (o *outbox) drain() {
	for {
		o.mu.Lock()
		items := o.queue
		o.queue = nil
		o.mu.Unlock()
		if len(items) == 0 {
			return
		}
		for _, it := range items {
			if ev := o.convert(it); ev != nil {
				o.send(ev)
			}
		}
	}
}

// send numbers and publishes one event.
func (o *outbox) send(ev *event) {
	seq := o.seq.Add(1)
	o.n.publish(o.n.subj.events(o.n.id), nodeMsg{Type: msgEvent, Node: o.n.id, Inst: o.n.inst, Seq: seq, Event: ev})
}

// heartbeat publishes a heartbeat (or the goodbye) with the last number.
func (o *outbox) heartbeat(kind string) {
	load := o.n.load()
	o.mu.Lock()
	load.DroppedEvents = o.dropped
	o.mu.Unlock()
	o.n.publish(o.n.subj.events(o.n.id), nodeMsg{Type: kind, Node: o.n.id, Inst: o.n.inst, Seq: o.seq.Load(), Load: &load})
}

// convert turns a room event into its wire form, keeping track of the
// local tracks; nil for events other nodes need not hear.
func (o *outbox) convert(it outItem) *event {
	ev := &event{Room: it.room}
	switch e := it.ev.(type) {
	case room.RoomUpdatedEvent:
		ev.Kind, ev.RoomInfo = evRoom, &e.Room
	case room.RoomClosedEvent:
		ev.Kind, ev.Reason = evRoomClosed, e.Reason
	case room.ParticipantJoinedEvent:
		ev.Kind, ev.Participant = evJoined, withoutTracks(e.Participant)
	case room.ParticipantUpdatedEvent:
		ev.Kind, ev.Participant = evUpdated, withoutTracks(e.Participant)
	case room.ParticipantLeftEvent:
		ev.Kind, ev.SID, ev.Reason = evLeft, e.SID, e.Reason
	case room.TrackPublishedEvent:
		ts := o.n.trackState(it.room, e.Track)
		ev.Kind, ev.Track = evPublished, &ts
		o.local[e.Track.SID] = &localTrack{room: it.room, layers: ts.Layers}
	case room.TrackUnpublishedEvent:
		ev.Kind, ev.SID = evUnpublished, e.TrackSID
		delete(o.local, e.TrackSID)
	case room.TrackMutedEvent:
		ev.Kind, ev.SID, ev.Muted = evMuted, e.TrackSID, e.Muted
	case room.DataSentEvent:
		ev.Kind, ev.Data, ev.To = evData, &e.Data, e.To
	default:
		return nil
	}
	return ev
}

// pollLayers announces changes of the layers local tracks receive, so
// that the relay receivers of other nodes offer their subscribers what
// exists.
func (o *outbox) pollLayers() {
	for sid, lt := range o.local {
		r, ok := o.n.rooms.Room(lt.room)
		if !ok {
			continue
		}
		src, _, ok := r.TrackSource(sid)
		if !ok {
			continue // its unpublished event is on its way
		}
		if mask := activeMask(src); mask != lt.layers {
			lt.layers = mask
			o.send(&event{Kind: evLayers, Room: lt.room, SID: sid, Layers: mask})
		}
	}
}

// withoutTracks copies a participant info without its tracks: tracks are
// announced by their own events.
func withoutTracks(p room.ParticipantInfo) *room.ParticipantInfo {
	p.Tracks = nil
	return &p
}

// activeMask returns the layers a source receives.
func activeMask(src sfu.TrackSource) uint8 {
	if a, ok := src.(interface{ ActiveLayers() uint8 }); ok {
		return a.ActiveLayers()
	}
	n := min(max(len(src.Layers()), 1), sfu.MaxLayers)
	return uint8(1)<<n - 1
}

// load describes this node for its heartbeat.
func (n *Node) load() Load {
	l := Load{Goroutines: runtime.NumGoroutine(), Relays: n.out.count() + n.in.count()}
	for _, r := range n.rooms.Rooms() {
		local := 0
		for _, p := range r.Participants() {
			if !p.Remote {
				local++
				l.Tracks += len(p.Tracks)
			}
		}
		if local > 0 {
			l.Rooms++
			l.Participants += local
		}
	}
	return l
}
