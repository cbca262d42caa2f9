package sfu

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// DownTrack is one subscriber's copy of a [TrackSource]. It implements
// webrtc.TrackLocal, so it is added to the subscriber PeerConnection like
// any local track.
//
// The layer readers of its source call forward for every packet; the
// reader of the layer it currently forwards owns its munging state (see
// ownership). Preferences and the target layer reach that path through
// atomics. A separate goroutine reads the subscriber's RTCP and answers
// NACKs from the source's packet cache.
type DownTrack struct {
	src     TrackSource
	codec   webrtc.RTPCodecParameters
	payload payloadKind
	wg      *sync.WaitGroup
	// transportSeq is the subscriber PeerConnection's transport-wide
	// sequence counter (shared by its down-tracks).
	transportSeq *atomic.Uint32

	own    ownership
	target atomic.Int32 // int8 layer, LayerNone when paused or nothing fits
	m      *munger      // owned by the current owner's reader
	seqs   *seqMap

	bind      atomic.Pointer[binding]
	connected atomic.Bool // the subscriber's transport is up
	live      atomic.Bool // bound and connected: packets may be written
	closed    atomic.Bool
	rtcpOnce  sync.Once

	ctrlMu sync.Mutex // serializes target changes (control path only)
	prefs  Preferences
	sel    layerSelector

	stats downTrackCounters
}

// downTrackParams are what a down-track gets from its subscriber.
type downTrackParams struct {
	// seqMapSize is the number of sent packets remembered for NACKs.
	seqMapSize int
	// wg tracks the goroutines the down-track starts.
	wg *sync.WaitGroup
	// transportSeq numbers the packets of the whole PeerConnection for
	// transport-wide congestion control.
	transportSeq *atomic.Uint32
}

// newDownTrack returns a down-track for src.
func newDownTrack(src TrackSource, prefs Preferences, p downTrackParams) *DownTrack {
	codec := src.Codec()
	seqs := newSeqMap(p.seqMapSize)
	d := &DownTrack{
		src:          src,
		codec:        codec,
		payload:      payloadKindOf(codec.MimeType),
		wg:           p.wg,
		transportSeq: p.transportSeq,
		m:            newMunger(seqs, codec.ClockRate),
		seqs:         seqs,
		prefs:        prefs,
	}
	d.own.w.Store(ownWord(LayerNone))
	d.target.Store(int32(d.sel.selectLayer(prefs, src.Layers(), activeLayers(src, len(src.Layers())))))
	return d
}

// ID is the source's track sid.
func (d *DownTrack) ID() string { return d.src.ID() }

// RID is empty: a subscriber receives one stream per track.
func (d *DownTrack) RID() string { return "" }

// StreamID is the source's stream id (the publisher's participant sid).
func (d *DownTrack) StreamID() string { return d.src.StreamID() }

// Kind is the source's kind.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.src.Kind() }

// Source returns the track this down-track forwards.
func (d *DownTrack) Source() TrackSource { return d.src }

// Stats returns a snapshot of the down-track's counters.
func (d *DownTrack) Stats() DownTrackStats { return d.stats.snapshot() }

// CurrentLayer returns the layer being forwarded, LayerNone if none.
func (d *DownTrack) CurrentLayer() int8 { return d.own.owner() }

// TargetLayer returns the layer the down-track wants to forward.
func (d *DownTrack) TargetLayer() int8 { return int8(d.target.Load()) }

// Bind is called by pion when the sender is negotiated. It picks the
// negotiated codec matching the source and starts the RTCP reader.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := findCodec(ctx.CodecParameters(), d.codec.RTPCodecCapability)
	if !ok {
		return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: %s not negotiated", ErrUnsupportedCodec, d.codec.MimeType)
	}
	b := &binding{
		writer:       ctx.WriteStream(),
		ssrc:         uint32(ctx.SSRC()),
		pt:           uint8(codec.PayloadType),
		transportSeq: d.transportSeq,
	}
	if d.transportSeq != nil {
		b.transportCCID = headerExtensionID(ctx.HeaderExtensions(), sdp.TransportCCURI)
	}
	if d.Kind() == webrtc.RTPCodecTypeAudio {
		b.audioLevelID = headerExtensionID(ctx.HeaderExtensions(), sdp.AudioLevelURI)
	}
	d.bind.Store(b)
	if d.closed.Load() {
		return codec, nil // being removed: start nothing
	}
	d.rtcpOnce.Do(func() {
		reader := ctx.RTCPReader()
		d.wg.Go(func() { newFeedbackReader(d, reader).run() })
	})
	d.updateLive()
	return codec, nil
}

// Unbind is called by pion when the sender stops.
func (d *DownTrack) Unbind(webrtc.TrackLocalContext) error {
	d.bind.Store(nil)
	d.live.Store(false)
	return nil
}

// setConnected records that the subscriber's transport came up.
func (d *DownTrack) setConnected() {
	d.connected.Store(true)
	d.updateLive()
}

// updateLive starts writing once the down-track is both bound and
// connected (pion drops packets written before SRTP is up, a keyframe
// among them), and asks for a keyframe to start with.
func (d *DownTrack) updateLive() {
	if d.bind.Load() == nil || !d.connected.Load() || d.closed.Load() {
		return
	}
	if d.live.CompareAndSwap(false, true) {
		if t := d.TargetLayer(); t != LayerNone {
			d.src.RequestKeyframe(t)
		}
	}
}

// close stops forwarding for good.
func (d *DownTrack) close() {
	d.closed.Store(true)
	d.live.Store(false)
}

// SetPreferences changes what the subscriber's tile needs; the forwarding
// path picks the new target up at its next packet and switches at the next
// keyframe of the new layer.
func (d *DownTrack) SetPreferences(p Preferences) {
	d.ctrlMu.Lock()
	defer d.ctrlMu.Unlock()
	d.prefs = p
	d.retargetLocked()
}

// Preferences returns the current preferences.
func (d *DownTrack) Preferences() Preferences {
	d.ctrlMu.Lock()
	defer d.ctrlMu.Unlock()
	return d.prefs
}

// retarget re-evaluates the target layer (the source's layers changed).
func (d *DownTrack) retarget() {
	d.ctrlMu.Lock()
	defer d.ctrlMu.Unlock()
	d.retargetLocked()
}

func (d *DownTrack) retargetLocked() {
	layers := d.src.Layers()
	t := d.sel.selectLayer(d.prefs, layers, activeLayers(d.src, len(layers)))
	old := int8(d.target.Swap(int32(t)))
	switch {
	case t == LayerNone:
		d.own.drop()
	case t != old && t != d.own.owner() && d.live.Load():
		d.src.RequestKeyframe(t)
	}
}

// forward offers p, read from layer, to the down-track; s is the reader's
// scratch. It reports whether the down-track waits for a keyframe of layer,
// so that the reader can ask the publisher for one.
func (d *DownTrack) forward(p *packet, layer int8, s *writeScratch) (wantKeyframe bool) {
	if !d.live.Load() {
		return false
	}
	target := int8(d.target.Load())
	if d.own.enter(layer) {
		if target == LayerNone {
			d.own.leave() // paused
			return false
		}
		d.send(p, s)
		d.own.exit(layer)
		return false
	}
	if target != layer {
		return false
	}
	if !p.Keyframe {
		if d.own.owner() == LayerNone {
			d.stats.dropped[DropAwaitingKeyframe].Add(1)
		}
		return true
	}
	d.own.take(layer)
	d.m.switchTo(layer, p)
	d.stats.layerSwitches.Add(1)
	d.send(p, s)
	d.own.exit(layer)
	return false
}

// send munges and writes p; the caller owns the munging state.
func (d *DownTrack) send(p *packet, s *writeScratch) {
	r := d.m.munge(p)
	if r.Dropped {
		d.stats.dropped[r.Reason].Add(1)
		return
	}
	payload := p.Payload
	if p.IsVP8 && vp8Changed(&p.VP8, r.VP8) {
		payload = rewriteVP8(s.payload[:], payload, &p.VP8, r.VP8)
	}
	d.write(s, outPacket{Marker: p.Header.Marker, Seq: r.Seq, TS: r.TS, AudioLevel: p.AudioLevel, Payload: payload})
}

// write sends one packet and counts it.
func (d *DownTrack) write(s *writeScratch, p outPacket) bool {
	b := d.bind.Load()
	if b == nil {
		d.stats.dropped[DropWriteFailed].Add(1)
		return false
	}
	n, err := b.write(s, p)
	if err != nil {
		d.stats.dropped[DropWriteFailed].Add(1)
		return false
	}
	d.stats.packetsSent.Add(1)
	d.stats.bytesSent.Add(uint64(n))
	return true
}

// vp8Changed reports whether writing f changes the descriptor d.
func vp8Changed(d *vp8Descriptor, f vp8Fields) bool {
	return (d.HasPictureID && d.PictureID != f.PictureID) ||
		(d.HasTL0PicIdx && d.TL0PicIdx != f.TL0PicIdx) ||
		(d.HasKeyIdx && d.KeyIdx != f.KeyIdx)
}

// ssrc returns the negotiated SSRC, 0 before Bind.
func (d *DownTrack) ssrc() uint32 {
	if b := d.bind.Load(); b != nil {
		return b.ssrc
	}
	return 0
}

var _ webrtc.TrackLocal = (*DownTrack)(nil)
