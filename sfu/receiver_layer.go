package sfu

import (
	"sync/atomic"

	"github.com/pion/interceptor"
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
	l.stats.bytes.Add(uint64(n))
	l.noteArrival(arrival)
	if p.Keyframe && l.r.payload != payloadOther {
		l.stats.keyframes.Add(1)
	}
	if p.AudioLevel != nil {
		l.r.audioLevel.Store(uint32(p.AudioLevel[0]) | audioLevelSeen)
	}

	wantKeyframe := false
	for _, d := range *l.r.downTracks.Load() {
		if d.forward(p, l.index, l.scratch) {
			wantKeyframe = true
		}
	}
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
