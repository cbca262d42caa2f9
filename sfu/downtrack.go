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
// ownership). The target layer and temporal layer reach that path through
// atomics, set by the control path (preferences, the subscriber's
// bandwidth allocator, layers coming and going). A separate goroutine reads
// the subscriber's RTCP: it answers NACKs from the source's packet cache,
// forwards keyframe requests and feeds the congestion controller.
type DownTrack struct {
	src     TrackSource
	codec   webrtc.RTPCodecParameters
	payload payloadKind
	kind    webrtc.RTPCodecType
	wg      *sync.WaitGroup
	// tx is what the subscriber connection's down-tracks share: the
	// transport-wide send history and the bandwidth estimator.
	tx     *sendSide
	rtxSeq atomic.Uint32
	// bursts batches the retransmissions answering one NACK packet.
	bursts *sendBursts

	own      ownership
	target   atomic.Int32 // int8 layer, LayerNone when paused or nothing fits
	temporal atomic.Int32 // int8 highest VP8 temporal layer forwarded
	desired  atomic.Int32 // int8 layer the preferences ask for (dynacast)
	priority atomic.Uint32
	// pausedLayer is the layer whose packets count as dropped for
	// bandwidth while the allocator pauses the track (-1: not paused).
	pausedLayer atomic.Int32
	// padding is how many bytes of probe padding the owner is to insert
	// after the packets it forwards (see prober).
	padding atomic.Int64
	m       *munger // owned by the current owner's reader
	seqs    *seqMap
	report  senderReportClock

	bind      atomic.Pointer[binding]
	connected atomic.Bool // the subscriber's transport is up
	live      atomic.Bool // bound and connected: packets may be written
	closed    atomic.Bool
	rtcpOnce  sync.Once

	ctrlMu sync.Mutex // serializes target changes (control path only)
	prefs  Preferences
	alloc  allocation

	stats downTrackCounters
	rr    receptionStats
}

// downTrackParams are what a down-track gets from its subscriber.
type downTrackParams struct {
	// seqMapSize is the number of sent packets remembered for NACKs.
	seqMapSize int
	// wg tracks the goroutines the down-track starts.
	wg *sync.WaitGroup
	// tx numbers the packets of the whole PeerConnection for
	// transport-wide congestion control and estimates its bandwidth.
	tx *sendSide
	// bursts batches socket writes (nil: no batching).
	bursts *sendBursts
}

// newDownTrack returns a down-track for src.
func newDownTrack(src TrackSource, prefs Preferences, p downTrackParams) *DownTrack {
	codec := src.Codec()
	seqs := newSeqMap(p.seqMapSize)
	d := &DownTrack{
		src:     src,
		codec:   codec,
		payload: payloadKindOf(codec.MimeType),
		kind:    src.Kind(),
		wg:      p.wg,
		tx:      p.tx,
		bursts:  p.bursts,
		m:       newMunger(seqs, codec.ClockRate),
		seqs:    seqs,
		prefs:   prefs,
	}
	d.own.w.Store(ownWord(LayerNone))
	d.pausedLayer.Store(-1)
	d.desired.Store(int32(LayerNone))
	d.ctrlMu.Lock()
	d.retargetLocked()
	d.ctrlMu.Unlock()
	return d
}

// ID is the source's track sid.
func (d *DownTrack) ID() string { return d.src.ID() }

// RID is empty: a subscriber receives one stream per track.
func (d *DownTrack) RID() string { return "" }

// StreamID is the source's stream id (the publisher's participant sid).
func (d *DownTrack) StreamID() string { return d.src.StreamID() }

// Kind is the source's kind.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.kind }

// Source returns the track this down-track forwards.
func (d *DownTrack) Source() TrackSource { return d.src }

// Stats returns a snapshot of the down-track's counters.
func (d *DownTrack) Stats() DownTrackStats {
	s := d.stats.snapshot()
	s.FractionLost, s.Jitter, s.RTT = d.rr.snapshot()
	return s
}

// CurrentLayer returns the layer being forwarded, LayerNone if none.
func (d *DownTrack) CurrentLayer() int8 { return d.own.owner() }

// TargetLayer returns the layer the down-track wants to forward.
func (d *DownTrack) TargetLayer() int8 { return int8(d.target.Load()) }

// TargetTemporal returns the highest VP8 temporal layer forwarded.
func (d *DownTrack) TargetTemporal() int8 { return int8(d.temporal.Load()) }

// Bind is called by pion when the sender is negotiated. It picks the
// negotiated codec matching the source (and its RTX stream, if the
// subscriber negotiated one) and starts the RTCP reader.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := findCodec(ctx.CodecParameters(), d.codec.RTPCodecCapability)
	if !ok {
		return webrtc.RTPCodecParameters{}, fmt.Errorf("%w: %s not negotiated", ErrUnsupportedCodec, d.codec.MimeType)
	}
	b := &binding{
		writer: ctx.WriteStream(),
		ssrc:   uint32(ctx.SSRC()),
		pt:     uint8(codec.PayloadType),
		rtxSeq: &d.rtxSeq,
	}
	if ssrc := uint32(ctx.SSRCRetransmission()); ssrc != 0 {
		if pt, ok := rtxPayloadType(ctx.CodecParameters(), codec.PayloadType); ok {
			b.rtxSSRC, b.rtxPT = ssrc, pt
		}
	}
	if d.tx != nil {
		b.hist = d.tx.hist
		b.transportCCID = headerExtensionID(ctx.HeaderExtensions(), sdp.TransportCCURI)
	}
	if d.kind == webrtc.RTPCodecTypeAudio {
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
	d.ctrlMu.Lock()
	d.prefs.Paused = true // no longer wants any layer (dynacast)
	d.retargetLocked()
	d.ctrlMu.Unlock()
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
		if !d.send(p, s) && d.kind == webrtc.RTPCodecTypeVideo {
			// The transport refused the packet: a frame is broken. Start
			// again at a keyframe rather than feed the decoder pieces.
			d.own.leave()
			return true
		}
		if d.padding.Load() > 0 {
			d.insertPadding(s)
		}
		d.own.exit(layer)
		return false
	}
	if target != layer {
		if target == LayerNone && int32(layer) == d.pausedLayer.Load() {
			d.stats.dropped[DropBandwidth].Add(1)
		}
		return false
	}
	if !p.Keyframe || p.Late {
		// A late keyframe packet (a retransmission, a publisher's probe)
		// is no place to start: the packets after it went by already.
		if d.own.owner() == LayerNone {
			d.stats.dropped[DropAwaitingKeyframe].Add(1)
		}
		return !p.Late
	}
	d.own.take(layer)
	d.m.switchTo(layer, p, int8(d.temporal.Load()))
	d.stats.layerSwitches.Add(1)
	if !d.send(p, s) && d.kind == webrtc.RTPCodecTypeVideo {
		d.own.leave()
		return true
	}
	d.own.exit(layer)
	return false
}

// send munges and writes p; the caller owns the munging state. It reports
// false when the transport refused the packet.
func (d *DownTrack) send(p *packet, s *writeScratch) bool {
	r := d.m.munge(p, int8(d.temporal.Load()))
	if r.Dropped {
		d.stats.dropped[r.Reason].Add(1)
		return true
	}
	payload := p.Payload
	if p.IsVP8 && vp8Changed(&p.VP8, r.VP8) {
		payload = rewriteVP8(s.payload[:], payload, &p.VP8, r.VP8)
	}
	if !d.write(s, outPacket{Marker: p.Header.Marker, Seq: r.Seq, TS: r.TS, AudioLevel: p.AudioLevel, Payload: payload}) {
		return false
	}
	d.report.note(r.TS, p.Arrival)
	return true
}

// maxPaddingPerPacket bounds the padding inserted after one media packet.
const maxPaddingPerPacket = 24

// insertPadding writes probe padding after the packet just forwarded, in
// the down-track's own sequence (the caller owns the munging state):
// padding on the RTX stream would be simpler, but receivers address their
// next transport-wide feedback to the SSRC of the last packet they got,
// and pion delivers RTCP about an RTX SSRC to nobody.
func (d *DownTrack) insertPadding(s *writeScratch) {
	b := d.bind.Load()
	if b == nil {
		return
	}
	for range maxPaddingPerPacket {
		if d.padding.Load() <= 0 {
			return
		}
		seq, ts := d.m.pad()
		if !d.writePadding(b, s, seq, ts) {
			return
		}
	}
}

// writePadding sends one padding-only packet and counts it.
func (d *DownTrack) writePadding(b *binding, s *writeScratch, seq uint16, ts uint32) bool {
	n, err := b.write(s, outPacket{Seq: seq, TS: ts, Padding: paddingSize})
	if err != nil {
		return false
	}
	d.padding.Add(-int64(n))
	d.stats.packetsSent.Add(1)
	d.stats.bytesSent.Add(uint64(n))
	d.stats.paddingPackets.Add(1)
	d.stats.paddingBytes.Add(uint64(n))
	return true
}

// paddingSize is the padding of a probe packet, the most RTP allows.
const paddingSize = 255

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
