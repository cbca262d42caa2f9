package room

// Cluster connects the rooms of this node to the other nodes of a cluster
// (package cascade implements it over NATS). Without one, a node is alone
// and nothing here has any effect.
//
// The rooms tell the cluster every change made on this node, and the
// cluster mirrors the other nodes' participants and tracks into the rooms
// as remote ones (see remote.go).
type Cluster interface {
	// Publish is called for every change a local participant or this node
	// makes to a room: ParticipantJoinedEvent, ParticipantUpdatedEvent,
	// ParticipantLeftEvent, TrackPublishedEvent, TrackUnpublishedEvent,
	// TrackMutedEvent, DataSentEvent, RoomUpdatedEvent and RoomClosedEvent.
	// It is called under the room lock, in the order the room decided the
	// changes (so that other nodes replay them in that order); it must not
	// block and must not call into the room.
	Publish(r *Room, ev Event)
	// RemoveRemote asks the node of remote participant p to remove it.
	// It is called without locks held and may wait for that node.
	RemoveRemote(r *Room, p ParticipantInfo, reason LeaveReason, message string) error
	// MuteRemote asks the node of remote participant p to mute or unmute
	// one of its tracks, as an administrator would, and returns the track.
	MuteRemote(r *Room, p ParticipantInfo, trackSID string, muted bool) (TrackInfo, error)
}

// DataSentEvent is told to the cluster when a local participant sends a
// data message: the message as its receivers get it, and the identities it
// is for (empty: everyone).
type DataSentEvent struct {
	Data DataEvent
	To   []string
}

// RoomClosedEvent is told to the cluster when a room was deleted on this
// node (RoomService), so that the other nodes close it too.
type RoomClosedEvent struct{ Reason LeaveReason }

func (DataSentEvent) isEvent()   {}
func (RoomClosedEvent) isEvent() {}

// SetCluster connects the manager's rooms to a cluster. Call it once, before
// the first room is created.
func (m *Manager) SetCluster(c Cluster) { m.cluster = c }

// tellClusterLocked publishes a change of this node to the cluster, if any.
// The caller holds the room lock (or owns a room nobody else can see yet).
func (r *Room) tellClusterLocked(ev Event) {
	if c := r.m.cluster; c != nil {
		c.Publish(r, ev)
	}
}

// announce tells the cluster that a room was created here.
func (r *Room) announce() {
	if r.m.cluster == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.tellClusterLocked(RoomUpdatedEvent{Room: r.infoLocked()})
	}
}
