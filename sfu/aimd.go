package sfu

import "math"

// rateState is the AIMD rate controller's state (GCC section 5.5).
type rateState uint8

const (
	rateHold rateState = iota
	rateIncrease
	rateDecrease
)

// Constants of the rate controller.
const (
	aimdBeta          = 0.85   // decrease to this share of the acknowledged rate
	aimdMultIncrease  = 1.08   // per second, far from the last congestion
	aimdMinIncrease   = 1000.0 // bps per update at least
	aimdMinAdditive   = 4000.0 // bps per second at least, near the link capacity
	aimdAckedHeadroom = 1.5    // never grow past 1.5 x acknowledged + 10 kbit/s
	aimdAckedSlack    = 10_000.0
	aimdPacketBits    = 1200 * 8
	aimdFrameRate     = 30.0
)

// aimd is the delay-based rate controller: additive or multiplicative
// increase while the detector says normal, a decrease to 85% of the
// acknowledged rate on overuse. Rates are bits per second, times engine
// nanoseconds; the estimator serializes calls.
type aimd struct {
	rate       float64
	min, max   float64
	state      rateState
	lastChange int64
	lastDecr   int64
	haveChange bool
	rtt        int64
	link       linkCapacity
}

func newAIMD(start, lo, hi float64) *aimd {
	return &aimd{rate: start, min: lo, max: hi, rtt: 100e6}
}

// update applies one detector verdict. acked is the rate the receiver
// acknowledged recently (0 when unknown).
func (a *aimd) update(u bwUsage, acked float64, now int64) {
	if !a.haveChange {
		a.lastChange, a.haveChange = now, true
	}
	switch u {
	case usageOver:
		if a.state != rateDecrease {
			a.state = rateDecrease
		}
	case usageNormal:
		if a.state == rateHold {
			a.state = rateIncrease
			a.lastChange = now
		}
	case usageUnder:
		a.state = rateHold
	}
	next := a.rate
	switch a.state {
	case rateIncrease:
		if a.link.known && acked > a.link.upper() {
			a.link.reset() // the path got better: probe multiplicatively
		}
		elapsed := float64(now-a.lastChange) / 1e9
		if a.link.known {
			next += a.additiveIncrease(elapsed)
		} else {
			next += max(a.rate*(math.Pow(aimdMultIncrease, min(elapsed, 1))-1), aimdMinIncrease)
		}
		a.lastChange = now
	case rateDecrease:
		// Decrease at most once per round trip: the effect of the last one
		// shows only after it.
		if now-a.lastDecr >= max(a.rtt, 50e6) && acked > 0 {
			dec := aimdBeta * acked
			if dec > a.rate && a.link.known {
				dec = aimdBeta * a.link.avg
			}
			if dec < a.rate {
				next = dec
			}
			if a.link.known && acked < a.link.lower() {
				a.link.reset()
			}
			a.link.add(acked)
			a.lastDecr = now
		}
		a.state = rateHold
		a.lastChange = now
	}
	// Do not grow past what the receiver can confirm: without this the
	// estimate of an application-limited sender grows unbounded.
	if acked > 0 && next > a.rate {
		if ceiling := aimdAckedHeadroom*acked + aimdAckedSlack; next > ceiling {
			next = max(a.rate, ceiling)
		}
	}
	a.rate = min(max(next, a.min), a.max)
}

// additiveIncrease is about one packet per response time (an RTT plus
// 100 ms), near the link capacity.
func (a *aimd) additiveIncrease(elapsed float64) float64 {
	responseS := float64(a.rtt)/1e9 + 0.1
	bitsPerFrame := a.rate / aimdFrameRate
	packets := math.Ceil(bitsPerFrame / aimdPacketBits)
	perSecond := max(aimdMinAdditive, bitsPerFrame/packets/responseS)
	return perSecond * min(elapsed, 1)
}

// setRate overrides the rate (a successful probe).
func (a *aimd) setRate(r float64) {
	a.rate = min(max(r, a.min), a.max)
}

// linkCapacity averages the acknowledged rates seen at overuse: the rate
// where the path congests. Its deviation is relative, as in libwebrtc.
type linkCapacity struct {
	known   bool
	avg, vr float64 // vr: variance normalized by the average
}

func (l *linkCapacity) add(sample float64) {
	if !l.known {
		l.avg, l.vr, l.known = sample, 0.4, true
		return
	}
	const alpha = 0.05
	l.avg = (1-alpha)*l.avg + alpha*sample
	norm := max(l.avg, 1)
	l.vr = (1-alpha)*l.vr + alpha*(l.avg-sample)*(l.avg-sample)/norm
	l.vr = min(max(l.vr, 0.4), 2.5)
}

func (l *linkCapacity) dev() float64   { return math.Sqrt(l.vr * l.avg) }
func (l *linkCapacity) upper() float64 { return l.avg + 3*l.dev() }
func (l *linkCapacity) lower() float64 { return l.avg - 3*l.dev() }
func (l *linkCapacity) reset()         { *l = linkCapacity{} }

// Constants of the loss-based controller (GCC section 6).
const (
	lossLow        = 0.02 // below: the path is fine, let the cap grow
	lossHigh       = 0.10 // above: cut by half the loss
	lossGrowth     = 1.08 // per evaluation while loss is low
	lossMinPackets = 50   // packets per evaluation
	lossInterval   = 1e9
)

// lossControl caps the estimate when the subscriber reports loss; it
// holds between 2% and 10%, where random loss is not congestion.
type lossControl struct {
	capped   bool
	limit    float64
	lost     int
	total    int
	since    int64
	lastLoss float64
}

// add counts feedback packets and, every second with enough of them,
// re-evaluates the cap against the current estimate.
func (l *lossControl) add(lost, total int, estimate float64, now int64) {
	l.lost += lost
	l.total += total
	if l.total < lossMinPackets || now-l.since < lossInterval {
		return
	}
	loss := float64(l.lost) / float64(l.total)
	l.lastLoss = loss
	l.lost, l.total, l.since = 0, 0, now
	switch {
	case loss > lossHigh:
		base := estimate
		if l.capped {
			base = min(base, l.limit)
		}
		l.limit, l.capped = base*(1-0.5*loss), true
	case loss < lossLow && l.capped:
		l.limit *= lossGrowth
		if l.limit > estimate {
			l.capped = false
		}
	}
}

// raise lifts the cap to at least r (a probe got r through).
func (l *lossControl) raise(r float64) {
	if l.capped && l.limit < r {
		l.limit = r
	}
}

// apply returns the estimate under the loss cap.
func (l *lossControl) apply(estimate float64) float64 {
	if l.capped {
		return min(estimate, l.limit)
	}
	return estimate
}
