package sfu

import (
	"fmt"

	"github.com/pion/webrtc/v4"
)

// A relay receiver is the [TrackSource] of a track published on another
// node. Its layers arrive over a node-to-node relay PeerConnection (a
// [Publisher] with [PublisherConfig.AttachTrack]), one remote track per
// layer, and only while some down-track of this node needs them: the relay
// asks the origin for [Receiver.DemandedLayers]. Unlike a local receiver it
// outlives its layers (a relay that fails is re-established and its layers
// attach again) and ends only on [Receiver.End].

// Relay PeerConnections do not use the engine's one media port: the UDP
// mux tells PeerConnections apart by the remote address once ICE is
// through, and two relays between the same two nodes would both have the
// other node's media port as remote address. Each relay gathers on a port
// of its own (Config.RelayPortMin..RelayPortMax), otherwise with the
// settings of client PeerConnections.

// initRelayAPIs prepares the pion APIs of relay PeerConnections from the
// client setting engine se.
func (e *Engine) initRelayAPIs(se webrtc.SettingEngine) error {
	se.SetICEUDPMux(nil)
	if e.cfg.RelayPortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(e.cfg.RelayPortMin, e.cfg.RelayPortMax); err != nil {
			return fmt.Errorf("%w: relay ports: %w", ErrInvalidConfig, err)
		}
	}
	var err error
	if e.relayPubAPI, err = newAPI(se, true); err != nil {
		return err
	}
	e.relaySubAPI, err = newAPI(se, false)
	return err
}

// RelaySpec describes a track published on another node, as announced there.
type RelaySpec struct {
	// ID is the track sid; Layers are the announced simulcast layers,
	// lowest first (empty for one layer).
	ID     string
	Layers []LayerInfo
	// StreamID is the publisher's participant sid.
	StreamID string
	Kind     webrtc.RTPCodecType
	// Codec is the codec the publisher sends; the relay carries it as is.
	Codec webrtc.RTPCodecParameters
	// ActiveLayers are the layers the origin receives (see
	// Receiver.SetOriginLayers).
	ActiveLayers uint8
}

// NewRelayReceiver returns a receiver for a track relayed from another
// node. It has no layer until a relay attaches one.
func (e *Engine) NewRelayReceiver(spec RelaySpec) *Receiver {
	r := newReceiver(receiverParams{
		spec:        TrackSpec{ID: spec.ID, Layers: spec.Layers},
		streamID:    spec.StreamID,
		clientID:    spec.ID,
		kind:        spec.Kind,
		codec:       spec.Codec,
		clock:       e.clock,
		cacheSize:   e.cacheSize(spec.Kind),
		pliThrottle: e.cfg.PLIThrottle,
		pool:        e.pool,
		bursts:      e.bursts,
	})
	r.relay = true
	r.originActive.Store(uint32(spec.ActiveLayers))
	return r
}

// IsRelay reports whether r receives a track relayed from another node.
func (r *Receiver) IsRelay() bool { return r.relay }

// SetOriginLayers records which layers the origin node receives (a relay
// receiver's active layers); down-tracks reconsider their target.
func (r *Receiver) SetOriginLayers(mask uint8) {
	if !r.relay || uint8(r.originActive.Swap(uint32(mask))) == mask {
		return
	}
	for _, d := range *r.downTracks.Load() {
		d.retarget()
	}
}

// DemandedLayers is a bitmask of the layers the down-tracks of r want
// (their target layers): what a relay must carry for them. A down-track
// paused for bandwidth still demands the layer it would resume at: its
// controller resumes it there on trial to probe (trial.go), and a relay
// that had dropped the layer would take longer to bring it back than the
// trial lasts, so the track would never recover.
func (r *Receiver) DemandedLayers() uint8 {
	var mask uint8
	for _, d := range *r.downTracks.Load() {
		t := d.TargetLayer()
		if t == LayerNone {
			t = int8(d.pausedLayer.Load())
		}
		if t >= 0 && t < MaxLayers {
			mask |= 1 << t
		}
	}
	return mask
}

// AttachedLayers is a bitmask of the layers whose media currently arrives
// (a relay's attached layers; a local receiver's running readers).
func (r *Receiver) AttachedLayers() uint8 {
	var mask uint8
	for i := range r.layers {
		if r.layers[i].Load() != nil {
			mask |= 1 << i
		}
	}
	return mask
}

// End ends a relay receiver: Done closes and down-tracks stop receiving.
// Its layers end with the relay PeerConnection that carries them.
func (r *Receiver) End() { r.end() }

// detachLayer forgets a relay layer whose remote track ended, so that the
// layer can attach again. Down-tracks that forwarded it wait for a keyframe
// of the next attachment: its numbering starts afresh, and the keyframe
// lets the munger start a new epoch instead of leaving a jump.
func (r *Receiver) detachLayer(l *receiverLayer) {
	r.mu.Lock()
	if r.layers[l.index].CompareAndSwap(l, nil) {
		r.running--
	}
	r.mu.Unlock()
	l.cache.release()
	for _, d := range *r.downTracks.Load() {
		d.own.release(l.index)
	}
}

// release gives the track up if layer owns it and is not writing. Only
// layer's reader marks it busy, so after that reader ended this always
// succeeds unless another layer took over meanwhile.
func (o *ownership) release(layer int8) {
	o.w.CompareAndSwap(ownWord(layer), ownWord(LayerNone))
}

// relayLayerIndex checks a layer index a relay attaches.
func relayLayerIndex(r *Receiver, index int8) bool {
	return r != nil && r.relay && index >= 0 && index < MaxLayers
}
