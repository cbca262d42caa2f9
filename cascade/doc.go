// Package cascade spans rooms over several Parley nodes with NATS.
//
// Every node mirrors every room of the cluster: the participants connected
// to other nodes appear in its rooms as remote participants, and their
// tracks as remote tracks whose source is a relay receiver (package room's
// remote.go, sfu's relay.go). A local participant subscribes to a remote
// track like to any other; the media comes over a node-to-node relay.
//
// # Control plane (core NATS)
//
// All subjects start with Config.SubjectPrefix (P, "parley" by default):
//
//	P.ev.<node>         a node's room events, heartbeats and goodbye, in
//	                    one ordered stream (every node subscribes to P.ev.*)
//	P.sync.<node>       request: the node's snapshot (its rooms, local
//	                    participants, their tracks, codecs and layers)
//	P.ctl.<node>        request: remove a participant, mute a track
//	P.relay.<node>.req  request to an origin node: the layers a destination
//	                    wants of its tracks in a room (session, demand)
//	P.relay.<node>.sdp  request to a destination node: the origin's offer;
//	                    the reply is the answer
//	P.relay.<node>.ice  trickled ICE candidates of a relay session
//	P.relay.<node>.bye  a relay session was closed by its peer
//
// Events carry the node's instance (a random id per start) and a sequence
// number. A node applies another node's events in order; a gap (a lost
// message, a heartbeat announcing a later sequence number, a new instance,
// its own reconnection) makes it request that node's snapshot, apply it in
// place of what it knew, and replay the events buffered meanwhile. Each
// node is the only authority on its own participants, so there is nothing
// to store: a directory in NATS (JetStream KV) would duplicate what the
// snapshots give, need JetStream on the deployment, and still need the
// heartbeats to expire a dead node's entries.
//
// Heartbeats carry the node's load. A node whose heartbeats stop for
// Config.NodeTimeout while this node is connected is dead: its
// participants and tracks are removed (LeaveNodeFailure). A node that shuts
// down says goodbye. Losing NATS does not end anything local, and relays
// keep flowing (media does not go through NATS); on reconnection every
// node resynchronises.
//
// # Media plane (relays)
//
// A relay carries the tracks of one room from their origin node to one
// destination node: a subscriber PeerConnection on the origin (sfu's
// Subscriber, one down-track per relayed layer, see layerView) and a
// publisher PeerConnection on the destination (sfu's Publisher, whose
// AttachTrack hands each layer to the track's relay receiver). The
// destination opens it when its local subscribers first need a track of
// that origin, sends the layers they need (the union of their down-tracks'
// target layers, kept for Config.LayerLinger after the last need, so that
// layers do not flap) and updates the origin as that changes; the origin
// adds and removes layer down-tracks and renegotiates. NACKs and PLIs come
// back over the relay's RTCP. A relay that fails is closed on both sides
// and re-established on the next demand; one that nobody needs for
// Config.RelayIdleTimeout is closed.
package cascade
