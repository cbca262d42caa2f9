package sfu

import "sync/atomic"

// historySize is how many packets a subscriber connection remembers for
// matching transport-wide feedback: 4 s at 2000 packets a second (about
// 20 Mbit/s), far more than the 50-100 ms between feedback messages. It is
// 64 KiB per subscriber.
const historySize = 1 << 13

// sendHistory numbers the RTP packets of one subscriber PeerConnection
// with transport-wide sequence numbers and remembers when each was sent and
// how large it was, for the estimator to match against the subscriber's
// feedback.
//
// Recording is lock-free and allocation-free: any goroutine that writes on
// the connection (layer readers of several sources, NACK answers, probes)
// takes a number with one atomic add and fills its slot with one atomic
// store. A slot is one word tagged with the sequence number, so a reader
// never mistakes an old packet for a new one:
//
//	seq(16) | valid(1) probe(1) size(14) | send time(32, µs on the engine clock mod 2^32)
type sendHistory struct {
	clock *clock
	next  atomic.Uint32
	slots [historySize]atomic.Uint64
}

const (
	historyValid    = 1 << 15
	historyProbe    = 1 << 14
	historySizeMask = historyProbe - 1
)

// sentInfo is what the history knows about one packet.
type sentInfo struct {
	At    int64 // engine clock, ns
	Size  int   // bytes of RTP header and payload
	Probe bool  // sent by the prober (padding)
}

func newSendHistory(c *clock) *sendHistory { return &sendHistory{clock: c} }

// take returns the next transport-wide sequence number.
func (h *sendHistory) take() uint16 { return uint16(h.next.Add(1) - 1) }

// record remembers that seq was sent at the engine time at with size bytes.
func (h *sendHistory) record(seq uint16, size int, at int64, probe bool) {
	sz := uint64(min(size, historySizeMask)) | historyValid
	if probe {
		sz |= historyProbe
	}
	h.slots[seq%historySize].Store(uint64(seq)<<48 | sz<<32 | uint64(uint32(at/1000)))
}

// load returns what was recorded for seq; false when its slot holds
// another packet. now (engine clock) restores the high bits of the time,
// which must lie within 71 minutes before now.
func (h *sendHistory) load(seq uint16, now int64) (sentInfo, bool) {
	w := h.slots[seq%historySize].Load()
	if uint16(w>>48) != seq || w&(historyValid<<32) == 0 {
		return sentInfo{}, false
	}
	nowUS := now / 1000
	ago := int64(uint32(nowUS) - uint32(w))
	return sentInfo{
		At:    (nowUS - ago) * 1000,
		Size:  int(w>>32) & historySizeMask,
		Probe: w&(historyProbe<<32) != 0,
	}, true
}
