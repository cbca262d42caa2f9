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
// quarter of a second it tops the media up with padding-only packets on a
// down-track's RTX stream (receivers discard them, a padding-only RTX
// packet being the standard probe) up to the rate the next step needs; the
// feedback then tells the rate the path delivered (see probeCluster). Only
// a probe that arrived at that rate raises the estimate, after which the
// allocator steps up; a failed probe is retried with a growing back-off
// (2, 4, 8 s), so a path at its limit sees a short burst every few seconds
// and never sustained loss.
//
// Letting the estimate grow from real traffic instead (upgrading on a
// hunch and backing off on congestion) would cost a keyframe and a
// visible quality change per failed attempt, and loss on the media itself.
// A subscriber without RTX is not probed; it climbs only as its
// acknowledged rate allows.
const (
	probeDuration   = 250 * time.Millisecond
	probeBurst      = 5 * time.Millisecond
	probePadding    = 255 // octets of padding per packet, the most RTP allows
	probeBackoffMin = 2e9
	probeBackoffMax = 8e9
	probeTimeout    = 3e9 // no result this long after a probe: it failed
	// probePaddingShare: the padding is at least this share of the probe
	// rate, even when the media alone seems to reach it.
	probePaddingShare = 0.2
)

// prober runs on the controller's goroutine.
type prober struct {
	tx      *sendSide
	scratch *writeScratch

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
	return prober{tx: tx, scratch: newWriteScratch(), backoff: probeBackoffMin}
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
		if done && r >= probeSuccessShare*float64(p.pending) {
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
	p.send(d, float64(p.target), stop)
	p.pending, p.sentAt = p.target, p.tx.clock.now()
	p.probes++
}

// measure updates the connection's send rate from the down-tracks'
// counters.
func (p *prober) measure(dts []*DownTrack, now int64) {
	total := uint64(0)
	for _, d := range dts {
		total += d.stats.bytesSent.Load() + d.stats.paddingBytes.Load()
	}
	if p.at != 0 && now > p.at && total >= p.bytes {
		r := float64(total-p.bytes) * 8 * 1e9 / float64(now-p.at)
		p.rate = 0.5*p.rate + 0.5*r
	}
	p.bytes, p.at = total, now
}

// carrier picks the down-track whose RTX stream carries the padding: the
// one waiting for bandwidth, else any live video track with RTX.
func (p *prober) carrier(dts []*DownTrack) *DownTrack {
	ok := func(d *DownTrack) bool {
		b := d.bind.Load()
		return d.kind == webrtc.RTPCodecTypeVideo && d.live.Load() && b != nil && b.hasRTX()
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

// send runs one probe cluster through d's RTX stream.
func (p *prober) send(d *DownTrack, target float64, stop <-chan struct{}) {
	b := d.bind.Load()
	padBits := max(target-p.rate, probePaddingShare*target)
	pktBits := float64(probePadding+20) * 8 // padding, header, extension
	perBurst := padBits * probeBurst.Seconds() / pktBits
	ts, _ := d.report.at(p.tx.clock.now(), d.codec.ClockRate)

	p.tx.bwe.startProbe(uint16(p.tx.hist.next.Load()), target)
	timer := time.NewTimer(probeBurst)
	defer timer.Stop()
	start := time.Now()
	for due := 0.0; time.Since(start) < probeDuration; {
		for due += perBurst; due >= 1; due-- {
			n, err := b.write(p.scratch, outPacket{TS: ts, Padding: probePadding})
			if err != nil {
				break
			}
			d.stats.paddingPackets.Add(1)
			d.stats.paddingBytes.Add(uint64(n))
		}
		select {
		case <-stop:
			p.tx.bwe.endProbe(uint16(p.tx.hist.next.Load() - 1))
			return
		case <-timer.C:
			timer.Reset(probeBurst)
		}
	}
	p.tx.bwe.endProbe(uint16(p.tx.hist.next.Load() - 1))
}
