package sfu

import (
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// rtpReader is where a layer's packets come from (*webrtc.TrackRemote).
type rtpReader interface {
	Read(b []byte) (int, interceptor.Attributes, error)
}

// maxReadErrors ends a reader whose source keeps failing without closing.
const maxReadErrors = 1000

// receiverLayer is one simulcast layer (rid) of a Receiver and its reader.
//
// The reader goroutine reads each packet straight into a pooled buffer,
// parses it once, offers it to every down-track of the snapshot, and parks
// the buffer in the layer's packet cache. The fields below "reader-owned"
// are touched only by that goroutine.
type receiverLayer struct {
	r            *Receiver
	index        int8
	rid          string
	ssrc         uint32
	audioLevelID uint8
	cache        *packetCache
	sendPLI      func(ssrc uint32)
	lastPLI      atomic.Int64 // engine clock, ns; 0 = never
	lastArrival  atomic.Int64 // engine clock, ns, of the last packet (layerstall.go)
	stats        layerCounters
	rates        rateMeter // monitor-owned
	highestSeq   uint16    // reader-owned
	haveSeq      bool      // reader-owned
	// nack asks the publisher for lost packets (video; see useNACK).
	nack     *nackGenerator
	sendNACK func(ssrc uint32, lost []uint16)

	// reader-owned
	pkt     packet
	scratch *writeScratch
	spare   *cachedPacket
}

func newReceiverLayer(r *Receiver, index int8, rid string, ssrc uint32, audioLevelID uint8, sendPLI func(uint32)) *receiverLayer {
	l := &receiverLayer{
		r:            r,
		sendPLI:      sendPLI,
		index:        index,
		rid:          rid,
		ssrc:         ssrc,
		audioLevelID: audioLevelID,
		cache:        newPacketCache(r.cacheSize, r.pool),
		scratch:      newWriteScratch(),
	}

	l.spare = l.cache.get()
	return l
}

// useNACK makes the reader ask for lost packets with send (video only).
// Call it before the reader runs.
func (l *receiverLayer) useNACK(send func(ssrc uint32, lost []uint16)) {
	if send != nil && l.r.kind == webrtc.RTPCodecTypeVideo {
		l.nack, l.sendNACK = newNACKGenerator(), send
	}
}

// run reads the layer until its source ends.
func (l *receiverLayer) run(src rtpReader) {
	defer l.r.layerEnded(l)
	errs := 0
	for {
		n, _, err := src.Read(l.spare.buf[:])
		if err != nil {
			if isClosedErr(err) {
				return
			}
			// A packet pion could not place (e.g. an unknown payload
			// type): skip it.
			l.stats.malformed.Add(1)
			if errs++; errs > maxReadErrors {
				return
			}
			continue
		}
		errs = 0
		l.handle(n, l.r.clock.now())
	}
}

// handle processes the n bytes read into l.spare: the per-packet path.
func (l *receiverLayer) handle(n int, arrival int64) {
	c := l.spare
	p := &l.pkt
	if err := p.parse(c.buf[:n], l.r.payload, l.audioLevelID); err != nil {
		l.stats.malformed.Add(1)
		return
	}
	p.Arrival = arrival
	l.stats.packets.Add(1)
	l.noteArrival(arrival)
	tid := 0
	if p.IsVP8 && p.VP8.HasTID {
		tid = int(p.VP8.TID)
	}
	l.stats.tidBytes[tid].Add(uint64(n))
	if p.Header.Marker {
		l.stats.tidFrames[tid].Add(1)
	}
	if l.nack != nil {
		if lost := l.nack.received(p.Header.SequenceNumber, arrival); len(lost) > 0 {
			l.stats.nacksSent.Add(uint64(len(lost)))
			l.sendNACK(l.ssrc, lost)
		}
	}
	p.Late = l.haveSeq && !seqBefore(l.highestSeq, p.Header.SequenceNumber)
	if p.Late {
		// Not newer than the newest: a retransmission (RTX, restored by
		// pion) or a reordered or duplicated packet.
		l.stats.late.Add(1)
	} else {
		l.highestSeq, l.haveSeq = p.Header.SequenceNumber, true
	}
	if p.Keyframe && l.r.payload != payloadOther {
		l.stats.keyframes.Add(1)
	}
	if p.AudioLevel != nil {
		l.r.noteAudioLevel(p.AudioLevel[0])
	}
	if l.r.redRewrite {
		rewriteREDPayloadType(p.Payload, l.r.redFrom, opusPayloadType)
	}

	wantKeyframe := false
	l.r.bursts.begin()
	for _, d := range *l.r.downTracks.Load() {
		if d.forward(p, l.index, l.scratch) {
			wantKeyframe = true
		}
	}
	l.r.bursts.end()
	if wantKeyframe {
		l.requestKeyframe(arrival)
	}

	c.n = n
	c.seq = p.Header.SequenceNumber
	l.spare = l.cache.store(c)
}

// requestKeyframe sends a PLI unless one went out less than the throttle
// interval ago.
func (l *receiverLayer) requestKeyframe(now int64) {
	last := l.lastPLI.Load()
	if last != 0 && now-last < l.r.pliThrottle {
		return
	}
	if !l.lastPLI.CompareAndSwap(last, max(now, 1)) {
		return // another goroutine is sending one
	}
	l.stats.plisSent.Add(1)
	if l.sendPLI != nil {
		l.sendPLI(l.ssrc)
	}
}
