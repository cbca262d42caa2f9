package loadtest

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// recvCounters are a receiver's counters, written by its reader and read
// by the sampler.
type recvCounters struct {
	packets  atomic.Uint64 // every packet read, duplicates included
	bytes    atomic.Uint64 // RTP header and payload
	expected atomic.Uint64
	received atomic.Uint64 // distinct sequence numbers
	stamps   atomic.Uint64 // frames whose latency was measured
	jitter   atomic.Uint64 // float64 bits, milliseconds
}

// ReceiverStats is a snapshot of what one subscribed track received.
type ReceiverStats struct {
	Packets  uint64 `json:"packets"`
	Bytes    uint64 `json:"bytes"`
	Expected uint64 `json:"expected"`
	Received uint64 `json:"received"`
	Stamps   uint64 `json:"latency_samples"`
	// JitterMS is the RFC 3550 interarrival jitter when the snapshot was
	// taken.
	JitterMS float64 `json:"jitter_ms"`
}

func (c *recvCounters) snapshot() ReceiverStats {
	return ReceiverStats{
		Packets: c.packets.Load(), Bytes: c.bytes.Load(), Expected: c.expected.Load(),
		Received: c.received.Load(), Stamps: c.stamps.Load(),
		JitterMS: math.Float64frombits(c.jitter.Load()),
	}
}

// sub returns the counts since o; the jitter stays s's.
func (s ReceiverStats) sub(o ReceiverStats) ReceiverStats {
	return ReceiverStats{
		Packets: s.Packets - o.Packets, Bytes: s.Bytes - o.Bytes, Expected: s.Expected - o.Expected,
		Received: s.Received - o.Received, Stamps: s.Stamps - o.Stamps, JitterMS: s.JitterMS,
	}
}

// Lost is the number of packets that never arrived, after NACK repair.
func (s ReceiverStats) Lost() uint64 {
	if s.Received >= s.Expected {
		return 0
	}
	return s.Expected - s.Received
}

// receiver reads one subscribed track and measures it. It does the least
// work per packet that the measurements need: a header parse, a sequence
// bitmap, the jitter estimate, and a look for a send-time stamp at the end
// of a frame. It never decodes.
type receiver struct {
	sid       string
	kind      string // "audio" or "video"
	publisher string // identity
	codec     string // "vp8", "h264" or "opus"
	tile      Tile
	clockRate float64
	latency   *histogram // the bot's
	c         recvCounters

	// Subscription timing: requested when the bot asked, subscribed when
	// the first media arrived (TrackSubscribed).
	requested  time.Time
	subscribed atomic.Int64 // unix nanoseconds, 0 until subscribed

	// reader-owned
	seq          seqTracker
	jitter       float64 // in RTP timestamp units
	lastTransit  float64
	haveTransit  bool
	pending      bool // an H.264 stamp waits for the end of its frame
	pendingTS    uint32
	pendingStamp int64
}

// run reads track until it ends.
func (r *receiver) run(track *webrtc.TrackRemote) {
	var buf [1500]byte
	for {
		n, _, err := track.Read(buf[:])
		if err != nil {
			return
		}
		r.handle(buf[:n], time.Now())
	}
}

// handle processes one packet.
func (r *receiver) handle(b []byte, arrival time.Time) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return
	}
	marker := b[1]&0x80 != 0
	seq := binary.BigEndian.Uint16(b[2:4])
	ts := binary.BigEndian.Uint32(b[4:8])
	start := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 && start+4 <= len(b) {
		start += 4 + 4*int(binary.BigEndian.Uint16(b[start+2:start+4]))
	}
	end := len(b)
	if b[0]&0x20 != 0 {
		end -= int(b[end-1])
	}
	if start > end {
		return
	}
	payload := b[start:end]

	r.c.packets.Add(1)
	r.c.bytes.Add(uint64(len(b)))
	r.seq.push(seq)
	r.c.expected.Store(r.seq.expected())
	r.c.received.Store(r.seq.received)

	// RFC 3550 appendix A.8.
	transit := float64(arrival.UnixNano())*r.clockRate/1e9 - float64(ts)
	if r.haveTransit {
		d := math.Abs(transit - r.lastTransit)
		r.jitter += (d - r.jitter) / 16
		r.c.jitter.Store(math.Float64bits(r.jitter / r.clockRate * 1000))
	}
	r.lastTransit, r.haveTransit = transit, true

	r.measure(payload, marker, ts, arrival)
}

// measure looks for a send-time stamp and records the latency of the
// frame it belongs to when the frame's last packet has arrived.
func (r *receiver) measure(payload []byte, marker bool, ts uint32, arrival time.Time) {
	var stamp int64
	var ok bool
	switch r.codec {
	case "opus":
		stamp, ok = trailingStamp(payload)
	case "vp8":
		if marker {
			stamp, ok = trailingStamp(payload)
		}
	case "h264":
		if s, found := h264Stamp(payload); found {
			r.pending, r.pendingTS, r.pendingStamp = true, ts, s
		}
		if marker && r.pending && r.pendingTS == ts {
			stamp, ok = r.pendingStamp, true
			r.pending = false
		}
	}
	if !ok {
		return
	}
	r.latency.add(time.Duration(arrival.UnixNano() - stamp))
	r.c.stamps.Add(1)
}
