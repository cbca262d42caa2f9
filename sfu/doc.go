// Package sfu is Parley's media plane: publisher and subscriber
// PeerConnections, receivers (up-tracks), down-tracks, the packet cache and
// the forwarding loop.
//
// It knows nothing of rooms, tokens or signaling and imports only pion and
// the standard library.
//
// # Forwarding model
//
// A published track is a [TrackSource]. A local one is a [Receiver]: one
// reader goroutine per simulcast layer reads RTP into a pooled buffer,
// parses what the forwarders need once (keyframe, VP8 descriptor, audio
// level), fans the packet out to a copy-on-write snapshot of its down-tracks
// (an atomic.Pointer to a slice) and then parks the buffer in the layer's
// packet cache for retransmissions. There is no mutex, no allocation and no
// goroutine per packet on that path.
//
// A [DownTrack] is one subscriber's copy of a source. Its munging state
// (sequence number and timestamp offsets, VP8 picture id) is written only
// by the reader goroutine of the layer it currently forwards; a layer switch
// hands that ownership to the new layer's reader at a keyframe. Control
// changes (target layer, pause, mute) arrive as atomics.
package sfu
