package sfu

// NACK generation toward publishers (RFC 4585 section 6.2.1), done by the
// layer reader itself rather than pion's generator interceptor: the reader
// sees the packets pion restored from RTX, so a repaired packet stops being
// asked for (pion's interceptor sits below the RTX restoration and keeps
// asking until the packet leaves its window), and it costs no allocation
// per packet.
const (
	nackMaxPending = 128     // missing packets tracked at once
	nackMaxGap     = 100     // a larger jump is a restart, not loss
	nackRetry      = 100e6   // ask again after this long
	nackMaxTries   = 8       // then give up
	nackMinGap     = 5e6     // between two NACK messages
	nackMaxAge     = 1_000e6 // older losses are no use any more
	nackBatch      = 64      // sequence numbers per message at most
)

type missingPacket struct {
	seq   uint16
	since int64 // when the gap was seen (engine clock)
	next  int64 // when to ask (again)
	tries uint8
}

// nackGenerator is reader-owned: it has no locks and allocates nothing
// until it sends.
type nackGenerator struct {
	highest  uint16
	started  bool
	pending  []missingPacket // capacity nackMaxPending
	lastSent int64
	sent     bool
	due      [nackBatch]uint16
}

func newNACKGenerator() *nackGenerator {
	return &nackGenerator{pending: make([]missingPacket, 0, nackMaxPending)}
}

// received notes packet seq at engine time now and returns the sequence
// numbers to ask for now, if any (a slice of the generator's own array,
// valid until the next call).
func (g *nackGenerator) received(seq uint16, now int64) []uint16 {
	switch {
	case !g.started:
		g.started, g.highest = true, seq
	case seqBefore(g.highest, seq):
		gap := int(seq - g.highest - 1)
		if gap > nackMaxGap {
			g.pending = g.pending[:0] // the stream jumped: start over
		} else {
			for s := g.highest + 1; s != seq; s++ {
				if len(g.pending) == cap(g.pending) {
					copy(g.pending, g.pending[1:])
					g.pending = g.pending[:len(g.pending)-1]
				}
				g.pending = append(g.pending, missingPacket{seq: s, since: now, next: now})
			}
		}
		g.highest = seq
	default:
		for i := range g.pending { // a late packet: no longer missing
			if g.pending[i].seq == seq {
				g.pending = append(g.pending[:i], g.pending[i+1:]...)
				break
			}
		}
	}
	return g.collect(now)
}

// collect returns the missing packets due for a NACK, drops those given up
// on, and schedules the next try of the others.
func (g *nackGenerator) collect(now int64) []uint16 {
	if len(g.pending) == 0 || (g.sent && now-g.lastSent < nackMinGap) {
		return nil
	}
	n := 0
	kept := g.pending[:0]
	for _, m := range g.pending {
		if m.tries >= nackMaxTries || now-m.since > nackMaxAge {
			continue
		}
		if m.next <= now && n < nackBatch {
			g.due[n] = m.seq
			n++
			m.tries++
			m.next = now + nackRetry
		}
		kept = append(kept, m)
	}
	g.pending = kept
	if n == 0 {
		return nil
	}
	g.lastSent, g.sent = now, true
	return g.due[:n]
}
