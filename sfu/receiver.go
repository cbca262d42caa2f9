package sfu

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Receiver is a track published on a local publisher PeerConnection: the
// [TrackSource] implementation for local media. It has one reader goroutine
// per simulcast layer (see receiverLayer) and fans packets out to its
// down-tracks.
type Receiver struct {
	id       string
	streamID string
	clientID string
	kind     webrtc.RTPCodecType
	codec    webrtc.RTPCodecParameters
	payload  payloadKind

	clock       *clock
	cacheSize   int
	pliThrottle int64 // ns
	sendPLI     func(ssrc uint32)
	pool        *sync.Pool
	bursts      *sendBursts
	onEnd       func()
	stop        func() error

	layers     [MaxLayers]atomic.Pointer[receiverLayer]
	layerInfo  atomic.Pointer[[]LayerInfo]
	announced  bool // layerInfo came from the publisher and is fixed
	active     atomic.Uint32
	downTracks atomic.Pointer[[]*DownTrack]
	audioLevel atomic.Uint32 // RFC 6464 octet | audioLevelSeen
	levelSum   atomic.Uint64 // packets(32) | sum of levels(32), see noteAudioLevel
	levelID    atomic.Uint32 // the publisher's audio level extension id
	rates      atomic.Pointer[[MaxLayers]LayerRates]
	ratesAt    int64 // monitor-owned
	dyn        dynacast
	dynMask    atomic.Uint32
	// redRewrite: RED blocks name the publisher's opus payload type
	// redFrom; subscribers know opus as opusPayloadType.
	redRewrite bool
	redFrom    uint8

	// relay marks a receiver of a track relayed from another node (see
	// relay.go): its layers come and go with the relay, it ends on End,
	// and its active layers are those the origin receives.
	relay        bool
	originActive atomic.Uint32

	// lastStallCheck is when a reader last looked for silent layers
	// (layerstall.go).
	lastStallCheck atomic.Int64

	mu      sync.Mutex // down-track list and layer set changes
	running int        // layers whose reader runs
	done    chan struct{}
	ended   bool
}

const audioLevelSeen = 0x100

// receiverParams are what a Receiver is made of.
type receiverParams struct {
	spec        TrackSpec
	streamID    string
	clientID    string
	kind        webrtc.RTPCodecType
	codec       webrtc.RTPCodecParameters
	clock       *clock
	cacheSize   int
	pliThrottle time.Duration
	sendPLI     func(ssrc uint32)
	pool        *sync.Pool
	// bursts, when set, batches the socket writes of each fan-out.
	bursts *sendBursts
	onEnd  func() // called once, when Done closes
	// dynacast, when set, is called (from the publisher's monitor) with the
	// layers subscribers need whenever that changes; kick wakes the
	// monitor.
	dynacast func(r *Receiver, layers uint8)
	kick     func()
	// stop, when set, stops the pion receiver the layers are read from.
	stop func() error
}

func newReceiver(p receiverParams) *Receiver {
	r := &Receiver{
		id:          p.spec.ID,
		streamID:    p.streamID,
		clientID:    p.clientID,
		kind:        p.kind,
		codec:       p.codec,
		payload:     payloadKindOf(p.codec.MimeType),
		clock:       p.clock,
		cacheSize:   p.cacheSize,
		pliThrottle: int64(p.pliThrottle),
		sendPLI:     p.sendPLI,
		pool:        p.pool,
		bursts:      p.bursts,
		onEnd:       p.onEnd,
		stop:        p.stop,
		done:        make(chan struct{}),
	}
	info := slices.Clone(p.spec.Layers)
	if len(info) > MaxLayers {
		info = info[:MaxLayers]
	}
	r.announced = len(info) > 0
	r.layerInfo.Store(&info)
	r.downTracks.Store(&[]*DownTrack{})
	all := uint8(1)<<max(len(info), 1) - 1
	r.dynMask.Store(uint32(all))
	r.dyn = dynacast{
		enabled: p.dynacast != nil && p.kind == webrtc.RTPCodecTypeVideo && len(info) > 1,
		kick:    p.kick,
		mask:    all,
		pending: all,
	}
	if r.dyn.enabled {
		r.dyn.notify = func(layers uint8) { p.dynacast(r, layers) }
		r.dyn.dirty.Store(true) // no subscribers yet: evaluate from the start
	}
	r.redFrom, r.redRewrite = redPrimaryPayloadType(p.codec)
	return r
}

// ID is the track sid.
func (r *Receiver) ID() string { return r.id }

// StreamID is the publisher's participant id.
func (r *Receiver) StreamID() string { return r.streamID }

// ClientID is the publisher's id for the track (the msid track id).
func (r *Receiver) ClientID() string { return r.clientID }

// Kind is audio or video.
func (r *Receiver) Kind() webrtc.RTPCodecType { return r.kind }

// Codec is the codec the publisher negotiated.
func (r *Receiver) Codec() webrtc.RTPCodecParameters { return r.codec }

// Layers lists the layers, lowest first: as the publisher announced them,
// or else as they were received.
func (r *Receiver) Layers() []LayerInfo { return slices.Clone(*r.layerInfo.Load()) }

// ActiveLayers is a bitmask of the layers being received; for a relay
// receiver, of the layers its origin node receives.
func (r *Receiver) ActiveLayers() uint8 {
	if r.relay {
		return uint8(r.originActive.Load())
	}
	return uint8(r.active.Load())
}

// AudioLevel returns the last RFC 6464 audio level received: the level in
// -dBov (0 loudest, 127 silence) and the voice activity flag; ok is false
// until a level was received.
func (r *Receiver) AudioLevel() (level uint8, voice, ok bool) {
	v := r.audioLevel.Load()
	return uint8(v & 0x7f), v&0x80 != 0, v&audioLevelSeen != 0
}

// Stats returns a snapshot of the receiver's counters.
func (r *Receiver) Stats() ReceiverStats {
	var s ReceiverStats
	for i := range r.layers {
		if l := r.layers[i].Load(); l != nil {
			s.Layers[i] = l.stats.snapshot()
		}
	}
	return s
}

// Done is closed when every layer reader has ended.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// AddDownTrack starts forwarding to d and asks for a keyframe for it.
func (r *Receiver) AddDownTrack(d *DownTrack) {
	r.mu.Lock()
	cur := *r.downTracks.Load()
	if slices.Contains(cur, d) {
		r.mu.Unlock()
		return
	}
	next := append(slices.Clip(cur), d)
	r.downTracks.Store(&next)
	r.mu.Unlock()
	// A layer may have become active between d choosing its target and d
	// joining the snapshot, after layerActive retargeted the snapshot it
	// saw. layerActive sets the active bit before reading the snapshot and
	// we read the bits after storing it (atomics are sequentially
	// consistent), so one of the two retargets d with the new layer.
	d.retarget()
	r.subscriptionChanged()
	if t := d.TargetLayer(); t != LayerNone {
		r.RequestKeyframe(t)
	}
}

// RemoveDownTrack stops forwarding to d. A reader may still offer d the
// packet it is fanning out.
func (r *Receiver) RemoveDownTrack(d *DownTrack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := *r.downTracks.Load()
	i := slices.Index(cur, d)
	if i < 0 {
		return
	}
	next := slices.Delete(slices.Clone(cur), i, i+1)
	r.downTracks.Store(&next)
	r.subscriptionChanged()
}

// RequestKeyframe sends a PLI for a layer, at most once per PLI throttle.
// Audio has no keyframes: the call does nothing.
func (r *Receiver) RequestKeyframe(layer int8) {
	if layer < 0 || layer >= MaxLayers || r.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	if l := r.layers[layer].Load(); l != nil {
		l.requestKeyframe(r.clock.now())
	}
}

// Retransmit copies a cached packet of a layer into buf.
func (r *Receiver) Retransmit(layer int8, seq uint16, buf []byte) (int, bool) {
	if layer < 0 || layer >= MaxLayers {
		return 0, false
	}
	l := r.layers[layer].Load()
	if l == nil {
		return 0, false
	}
	return l.cache.copyTo(seq, buf)
}

// addLayer registers a layer and returns it, or nil if the index is taken
// or the receiver ended. The caller runs its reader.
func (r *Receiver) addLayer(index int8, rid string, ssrc uint32, audioLevelID uint8) *receiverLayer {
	return r.addLayerWith(index, rid, ssrc, audioLevelID, r.sendPLI)
}

// addLayerWith is addLayer with the function that sends the layer's PLIs.
func (r *Receiver) addLayerWith(index int8, rid string, ssrc uint32, audioLevelID uint8, sendPLI func(uint32)) *receiverLayer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended || r.layers[index].Load() != nil {
		return nil
	}
	l := newReceiverLayer(r, index, rid, ssrc, audioLevelID, sendPLI)
	r.layers[index].Store(l)
	if audioLevelID != 0 {
		r.levelID.Store(uint32(audioLevelID))
	}
	r.running++
	if !r.announced {
		info := *r.layerInfo.Load()
		grown := slices.Clone(info)
		for len(grown) <= int(index) {
			grown = append(grown, LayerInfo{})
		}
		grown[index].RID = rid
		r.layerInfo.Store(&grown)
	}
	return l
}

// layerActive marks a layer as received (its first packet arrived) and
// lets the down-tracks reconsider their target.
func (r *Receiver) layerActive(index int8, on bool) {
	for {
		old := r.active.Load()
		next := old &^ (1 << index)
		if on {
			next = old | 1<<index
		}
		if old == next || r.active.CompareAndSwap(old, next) {
			if old == next {
				return
			}
			break
		}
	}
	for _, d := range *r.downTracks.Load() {
		d.retarget()
	}
}

// layerEnded is called when a layer's reader returns; the receiver ends
// with its last layer.
func (r *Receiver) layerEnded(l *receiverLayer) {
	r.layerActive(l.index, false)
	if r.relay {
		r.detachLayer(l)
		return
	}
	l.cache.release()
	r.mu.Lock()
	r.running--
	last := r.running == 0
	r.mu.Unlock()
	if last {
		r.end()
	}
}

// Close unpublishes the track from the server's side: its layers stop
// being read (the publisher's packets for it are dropped until it
// renegotiates the track away) and Done closes. It is idempotent.
func (r *Receiver) Close() error {
	var err error
	if r.stop != nil {
		err = r.stop()
	}
	r.end()
	return err
}

// end closes Done once.
func (r *Receiver) end() {
	r.mu.Lock()
	first := !r.ended
	if first {
		r.ended = true
		close(r.done)
	}
	r.mu.Unlock()
	if first && r.onEnd != nil {
		r.onEnd()
	}
}

var _ TrackSource = (*Receiver)(nil)
