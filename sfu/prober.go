package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// Probing. When a subscriber's estimate is short of what the next layer
// needs, media alone cannot show whether the path has room for more: GCC
// never grows the estimate far beyond what the receiver acknowledges
// (1.5 x plus 10 kbit/s), and a sender that only sends the low layer is
// acknowledged the low layer's rate. So the controller probes: for a
// quarter of a second it tops the media up with padding-only packets up to
// a little more than the next step needs; the feedback then tells the rate
// the path delivered (see probeCluster). Only a probe that arrived at that
// rate raises the estimate, after which the allocator steps up; a failed
// probe is retried with a growing back-off (2, 4, 8 s), so a path at its
// limit sees a short burst every few seconds and never sustained loss.
//
// The padding goes in the carrier down-track's own sequence, inserted by
// the reader that forwards it after each media packet (see
// DownTrack.insertPadding), not on its RTX stream: receivers address their
// transport-wide feedback to the SSRC of the last packet they received,
// and pion delivers RTCP about an RTX SSRC to nobody, so padding on RTX
// would lose the very feedback the probe waits for.
//
// Letting the estimate grow from real traffic instead (upgrading on a
// hunch and backing off on congestion) would cost a keyframe and a
// visible quality change per failed attempt, and loss on the media itself.
const (
	probeDuration   = 250 * time.Millisecond
	probeBurst      = 5 * time.Millisecond
	probeBackoffMin = 2e9
	probeBackoffMax = 8e9
	probeTimeout    = 3e9 // no result this long after a probe: it failed
	// probePaddingShare: the padding is at least this share of the probe
	// rate, even when the media alone seems to reach it.
	probePaddingShare = 0.2
	// probeOvershoot: the probe aims this much above what the next step
	// needs, so that a successful one lets the allocator take it.
	probeOvershoot = 1.25
)

// prober runs on the controller's goroutine.
type prober struct {
	tx *sendSide

	target  uint64     // the estimate to confirm; 0: nothing to probe
	via     *DownTrack // the track waiting for it
	next    int64      // earliest next probe (engine clock)
	backoff int64
	pending uint64 // target of the probe whose result is awaited
	sentAt  int64

	// the connection's send rate, for the padding to top up
	bytes  uint64
	at     int64
	rate   float64
	probes int // probes sent (tests)
}

func newProber(tx *sendSide) prober {
	return prober{tx: tx, backoff: probeBackoffMin}
}

// want sets what to probe for.
func (p *prober) want(target uint64, d *DownTrack) { p.target, p.via = target, d }

// step handles a finished probe and starts the next one when due.
func (p *prober) step(dts []*DownTrack, now int64, stop <-chan struct{}, kick func()) {
	p.measure(dts, now)
	if p.pending != 0 {
		r, done := p.tx.bwe.probeOutcome()
		if !done && now-p.sentAt < probeTimeout {
			return
		}
		if done && r >= float64(p.pending) {
			p.backoff = probeBackoffMin
			kick() // the estimate rose: allocate again
		} else {
			p.backoff = min(p.backoff*2, probeBackoffMax)
		}
		p.next = now + p.backoff
		p.pending = 0
	}
	if p.target == 0 || now < p.next {
		return
	}
	d := p.carrier(dts)
	if d == nil {
		return
	}
	p.send(d, probeOvershoot*float64(p.target), stop)
	p.pending, p.sentAt = p.target, p.tx.clock.now()
	p.probes++
}

// measure updates the connection's send rate from the down-tracks'
// counters.
func (p *prober) measure(dts []*DownTrack, now int64) {
	total := uint64(0)
	for _, d := range dts {
		total += d.stats.bytesSent.Load()
	}
	if p.at != 0 && now > p.at && total >= p.bytes {
		r := float64(total-p.bytes) * 8 * 1e9 / float64(now-p.at)
		p.rate = 0.5*p.rate + 0.5*r
	}
	p.bytes, p.at = total, now
}

// carrier picks the down-track whose stream carries the padding: the one
// waiting for bandwidth, else any video track being forwarded.
func (p *prober) carrier(dts []*DownTrack) *DownTrack {
	ok := func(d *DownTrack) bool {
		return d.kind == webrtc.RTPCodecTypeVideo && d.live.Load() && d.bind.Load() != nil && d.CurrentLayer() != LayerNone
	}
	if p.via != nil && ok(p.via) {
		return p.via
	}
	for _, d := range dts {
		if ok(d) {
			return d
		}
	}
	return nil
}

// send runs one probe cluster through d: every 5 ms it hands d's owner the
// padding bytes due, which the owner inserts after its next packet.
func (p *prober) send(d *DownTrack, target float64, stop <-chan struct{}) {
	padBytes := max(target-p.rate, probePaddingShare*target) / 8 * probeBurst.Seconds()
	p.tx.bwe.startProbe(uint16(p.tx.hist.next.Load()), target)
	defer func() {
		d.padding.Store(0)
		p.tx.bwe.endProbe(uint16(p.tx.hist.next.Load() - 1))
	}()
	timer := time.NewTimer(probeBurst)
	defer timer.Stop()
	for start := time.Now(); time.Since(start) < probeDuration; {
		// Due bytes pile up between the carrier's packets, but not
		// beyond a few bursts when it stalls.
		if d.padding.Load() < int64(8*padBytes) {
			d.padding.Add(int64(padBytes))
		}
		select {
		case <-stop:
			return
		case <-timer.C:
			timer.Reset(probeBurst)
		}
	}
}
