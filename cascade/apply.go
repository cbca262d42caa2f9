package cascade

import (
	"github.com/parley-sfu/parley/room"
)

// apply makes one event of node rn true in this node's rooms. Events set
// state (a participant's whole info, a track's mute flag), so applying one
// whose effect a snapshot already showed changes nothing.
func (d *directory) apply(rn *remoteNode, ev *event) {
	n := d.n
	switch ev.Kind {
	case evRoom:
		if ev.RoomInfo != nil {
			info := *ev.RoomInfo
			info.Name = ev.Room
			d.mirror(info)
		}
	case evRoomClosed:
		d.closeRoom(ev.Room)
	case evJoined, evUpdated:
		if ev.Participant != nil {
			d.addParticipant(rn, ev.Room, *ev.Participant)
		}
	case evLeft:
		if r, ok := n.rooms.Room(ev.Room); ok {
			r.RemoveRemoteParticipant(ev.SID, ev.Reason)
		}
		delete(rn.participants, ev.SID)
		for _, sid := range n.in.dropParticipant(ev.SID) {
			delete(rn.tracks, sid)
		}
	case evPublished:
		if ev.Track != nil {
			d.publish(rn, ev.Room, *ev.Track)
		}
	case evUnpublished:
		d.unpublish(rn, ev.Room, ev.SID)
	case evMuted:
		if r, ok := n.rooms.Room(ev.Room); ok {
			_ = r.SetRemoteTrackMuted(ev.SID, ev.Muted)
		}
	case evLayers:
		n.in.setOriginLayers(ev.SID, ev.Layers)
	case evData:
		if r, ok := n.rooms.Room(ev.Room); ok && ev.Data != nil {
			r.DeliverRemoteData(*ev.Data, ev.To)
		}
	default:
		n.log.Debug("unknown cluster event ignored", "kind", ev.Kind, "node", rn.id)
	}
}

// mirror returns the room, creating it here when needed.
func (d *directory) mirror(info room.RoomInfo) (*room.Room, bool) {
	r, err := d.n.rooms.MirrorRoom(info)
	if err != nil {
		d.n.log.Debug("room not mirrored", "room", info.Name, "err", err)
		return nil, false
	}
	return r, true
}

// closeRoom closes a room deleted on another node. Its remote
// participants go with it, so no node keeps them.
func (d *directory) closeRoom(name string) {
	if r, ok := d.n.rooms.Room(name); ok {
		r.CloseFromCluster()
	}
	for _, rn := range d.nodes {
		for sid, roomName := range rn.participants {
			if roomName == name {
				delete(rn.participants, sid)
			}
		}
		for sid, roomName := range rn.tracks {
			if roomName == name {
				delete(rn.tracks, sid)
			}
		}
	}
	d.n.in.dropRoom(name)
}

// addParticipant adds or updates a participant of rn.
func (d *directory) addParticipant(rn *remoteNode, roomName string, info room.ParticipantInfo) {
	r, ok := d.mirror(room.RoomInfo{Name: roomName})
	if !ok {
		return
	}
	info.NodeID, info.Remote, info.Tracks = rn.id, true, nil
	if err := r.AddRemoteParticipant(info); err != nil {
		d.n.log.Debug("remote participant not added", "sid", info.SID, "err", err)
		return
	}
	rn.participants[info.SID] = roomName
}

// publish makes a track of rn live here, with a relay receiver as source.
func (d *directory) publish(rn *remoteNode, roomName string, ts trackState) {
	if ts.Codec.MimeType == "" {
		return // it ended before its origin could describe it
	}
	r, ok := d.n.rooms.Room(roomName)
	if !ok {
		return
	}
	src, created := d.n.in.addTrack(roomName, rn.id, ts)
	if err := r.PublishRemoteTrack(ts.Info, src); err != nil {
		d.n.log.Debug("remote track not published", "track", ts.Info.SID, "err", err)
		if created {
			d.n.in.dropTrack(ts.Info.SID)
		}
		return
	}
	if !created {
		_ = r.SetRemoteTrackMuted(ts.Info.SID, ts.Info.Muted)
		d.n.in.setOriginLayers(ts.Info.SID, ts.Layers)
	}
	rn.tracks[ts.Info.SID] = roomName
}

// unpublish removes a track of rn.
func (d *directory) unpublish(rn *remoteNode, roomName, sid string) {
	if r, ok := d.n.rooms.Room(roomName); ok {
		r.UnpublishRemoteTrack(sid)
	}
	d.n.in.dropTrack(sid)
	delete(rn.tracks, sid)
}

// reconcile replaces what this node knows of rn with its snapshot.
func (d *directory) reconcile(rn *remoteNode, snap *snapshot) {
	participants, tracks := map[string]bool{}, map[string]bool{}
	for _, rs := range snap.Rooms {
		info := rs.Info
		if _, ok := d.mirror(info); !ok {
			continue
		}
		for _, p := range rs.Participants {
			d.addParticipant(rn, info.Name, p)
			participants[p.SID] = true
		}
		for _, ts := range rs.Tracks {
			d.publish(rn, info.Name, ts)
			tracks[ts.Info.SID] = true
		}
	}
	for sid, roomName := range rn.tracks {
		if !tracks[sid] {
			d.unpublish(rn, roomName, sid)
		}
	}
	for sid, roomName := range rn.participants {
		if participants[sid] {
			continue
		}
		if r, ok := d.n.rooms.Room(roomName); ok {
			r.RemoveRemoteParticipant(sid, room.LeaveUnknown)
		}
		delete(rn.participants, sid)
		d.n.in.dropParticipant(sid)
	}
}
