package sfu

import "github.com/pion/webrtc/v4"

// MaxLayers is the most simulcast layers a source has.
const MaxLayers = 3

// LayerNone is the layer index that means "no layer": nothing is forwarded.
const LayerNone int8 = -1

// LayerInfo describes one simulcast layer of a video source. Layer indexes
// are ordered lowest quality first; a single-layer track has one layer, 0.
type LayerInfo struct {
	// RID is the RTP stream id negotiated for the layer ("q", "h", "f"); empty
	// for a single-layer track.
	RID     string
	Width   uint32
	Height  uint32
	Bitrate uint32 // bits per second, as announced by the publisher
	FPS     uint32
}

// TrackSource is a published track as the rest of the SFU sees it: media
// received from a local publisher PeerConnection ([Receiver]) or relayed from
// another node. Room and down-tracks depend on this interface only, so a
// relayed track needs no special cases.
type TrackSource interface {
	// ID is the track sid, unique in the room.
	ID() string
	// StreamID is the msid stream id subscribers see (the publisher's sid).
	StreamID() string
	Kind() webrtc.RTPCodecType
	// Codec is the codec the publisher sends. Down-tracks are negotiated with
	// this codec only.
	Codec() webrtc.RTPCodecParameters
	// Layers lists the simulcast layers, lowest first.
	Layers() []LayerInfo

	// AddDownTrack starts fanning packets out to d; d receives a keyframe
	// request on its behalf.
	AddDownTrack(d *DownTrack)
	// RemoveDownTrack stops fanning out to d. It is idempotent.
	RemoveDownTrack(d *DownTrack)

	// RequestKeyframe asks the publisher for a keyframe on a layer
	// (PLI), throttled per layer.
	RequestKeyframe(layer int8)
	// Retransmit copies the cached packet of a layer with sequence number
	// seq into buf and returns its length, or false when it is no longer
	// cached. Safe to call from any goroutine.
	Retransmit(layer int8, seq uint16, buf []byte) (int, bool)

	// Done is closed when the source ends (unpublished, publisher gone).
	Done() <-chan struct{}
}
