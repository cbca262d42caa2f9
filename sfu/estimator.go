package sfu

import (
	"sync"
	"sync/atomic"
)

// Estimator timing.
const (
	groupSpan       = 5e6   // packets sent within 5 ms form one group (a burst)
	ackedBucket     = 50e6  // acknowledged rate: 50 ms buckets...
	ackedBuckets    = 10    // ...over the last 500 ms of arrival time
	ackedMinSpan    = 200e6 // less than this is too little to tell a rate
	rembFallback    = 2e9   // REMB counts when no transport feedback for this long
	feedbackTimeout = 5e9   // no feedback at all this long: no estimate
	settleTime      = 2e9   // feedback for this long before probing
)

// bandwidthEstimator is the send-side bandwidth estimate of one subscriber
// PeerConnection: Google Congestion Control (draft-ietf-rmcat-gcc-02) fed
// by transport-wide feedback, with REMB as a fallback for clients that do
// not send transport-wide feedback.
//
// The write path only records into the send history; feedback is processed
// here, on the RTCP goroutines, under a mutex (feedback arrives a few dozen
// times a second, never per forwarded packet). The estimate is an atomic.
type bandwidthEstimator struct {
	hist  *sendHistory
	clock *clock

	mu        sync.Mutex
	lastSeq   uint16 // newest sequence number processed
	haveSeq   bool
	refBase   int64 // unwrapped reference time of the last feedback, 64 ms units
	lastRef   int32
	haveRef   bool
	ia        interArrival
	trend     *trendline
	usage     bwUsage
	rate      *aimd
	loss      lossControl
	acked     ackedRate
	probe     probeCluster
	remb      float64
	rembAt    int64
	lastTWCC  int64
	started   int64
	firstFB   int64 // first transport feedback (engine clock)
	gotAnyFB  bool
	estimate  atomic.Uint64
	lossShare atomic.Uint32 // last loss fraction, 1/65536
}

// estimatorLimits are the start, floor and ceiling of the estimate, bits
// per second.
type estimatorLimits struct {
	start, min, max float64
}

func newBandwidthEstimator(hist *sendHistory, c *clock, lim estimatorLimits) *bandwidthEstimator {
	e := &bandwidthEstimator{
		hist:    hist,
		clock:   c,
		trend:   newTrendline(),
		rate:    newAIMD(lim.start, lim.min, lim.max),
		started: c.now(),
	}
	e.estimate.Store(uint64(lim.start))
	return e
}

// Estimate returns the current estimate in bits per second; ok is false
// when the subscriber sends no congestion feedback at all (then nothing
// limits what it is sent).
func (e *bandwidthEstimator) Estimate() (bps uint64, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.gotAnyFB && e.clock.now()-e.started > feedbackTimeout {
		return 0, false
	}
	return e.estimate.Load(), true
}

// settled reports whether feedback has been coming for a while, so that
// the estimate means something (no probing before).
func (e *bandwidthEstimator) settled(now int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.firstFB != 0 && now-e.firstFB > settleTime
}

// LossFraction returns the loss share of the last evaluation (0..1).
func (e *bandwidthEstimator) LossFraction() float64 {
	return float64(e.lossShare.Load()) / 65536
}

// onTransportFeedback processes one transport-wide feedback message.
func (e *bandwidthEstimator) onTransportFeedback(fb *twccFeedback) {
	now := e.clock.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gotAnyFB = true
	if e.firstFB == 0 {
		e.firstFB = max(now, 1)
	}
	e.lastTWCC = now
	if e.haveRef {
		e.refBase += int64(int32((fb.RefTime - e.lastRef) << 8 >> 8)) // 24-bit wrap
	} else {
		e.refBase, e.haveRef = int64(fb.RefTime), true
	}
	e.lastRef = fb.RefTime
	arrival := e.refBase * twccRefUnit

	lost, total := 0, 0
	newest, sawNew, sawGroup := e.lastSeq, false, false
	for it := fb.iter(); ; {
		seq, received, delta, ok := it.next()
		if !ok {
			break
		}
		if received {
			arrival += delta
		}
		if e.haveSeq && !seqBefore(e.lastSeq, seq) {
			continue // reported in an earlier feedback
		}
		if !sawNew || seqBefore(newest, seq) {
			newest, sawNew = seq, true
		}
		info, ok := e.hist.load(seq, now)
		if !ok {
			continue
		}
		total++
		e.probe.add(seq, info, received, arrival)
		if !received {
			lost++
			continue
		}
		e.acked.add(arrival, info.Size)
		if sd, ad, ok := e.ia.add(info.At, arrival, info.Size); ok {
			e.usage = e.trend.update(float64(ad)/1e6, float64(sd)/1e6, float64(arrival)/1e6)
			sawGroup = true
		}
	}
	if sawNew {
		e.lastSeq, e.haveSeq = newest, true
	}
	acked := e.acked.rate()
	if sawGroup {
		e.rate.update(e.usage, acked, now)
	}
	if r, done := e.probe.finish(newest, now); done && r > 0 && e.usage != usageOver {
		// The path carried r: neither the delay-based rate nor an old
		// loss cap holds the estimate below it.
		e.rate.setRate(max(e.rate.rate, r))
		e.loss.raise(r)
	}
	e.loss.add(lost, total, e.rate.rate, now)
	e.lossShare.Store(uint32(e.loss.lastLoss * 65536))
	e.publishLocked(now)
}

// onREMB records a receiver's estimate (bits per second).
func (e *bandwidthEstimator) onREMB(bps uint64) {
	now := e.clock.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gotAnyFB = true
	e.remb, e.rembAt = float64(bps), now
	e.publishLocked(now)
}

// onRTT updates the round-trip time (from receiver reports).
func (e *bandwidthEstimator) onRTT(rtt int64) {
	if rtt <= 0 || rtt > 10e9 {
		return
	}
	e.mu.Lock()
	e.rate.rtt = rtt
	e.mu.Unlock()
}

func (e *bandwidthEstimator) publishLocked(now int64) {
	est := e.loss.apply(e.rate.rate)
	if e.rembAt != 0 && (e.lastTWCC == 0 || now-e.lastTWCC > rembFallback) {
		est = min(max(e.remb, e.rate.min), e.rate.max)
	}
	e.estimate.Store(uint64(est))
}

// startProbe marks the packets from transport-wide sequence number first on
// as a probe cluster aimed at target bits per second. endProbe closes it.
func (e *bandwidthEstimator) startProbe(first uint16, target float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.probe = probeCluster{active: true, first: first, target: target}
}

// endProbe records the cluster's last sequence number; the result comes
// with the feedback that covers it (or never, after a timeout).
func (e *bandwidthEstimator) endProbe(last uint16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.probe.active {
		e.probe.last, e.probe.closed = last, true
		e.probe.deadline = e.clock.now() + 1e9
	}
}

// probeOutcome returns and clears the result of the last finished probe:
// the measured rate (0 when it failed) and whether one finished.
func (e *bandwidthEstimator) probeOutcome() (rate float64, done bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, d := e.probe.result, e.probe.reported
	e.probe.reported = false
	return r, d
}

// interArrival groups packets into bursts by send time and yields the send
// and arrival time deltas between consecutive groups (GCC section 5.2).
type interArrival struct {
	cur, prev packetGroup
}

type packetGroup struct {
	valid                   bool
	firstSend, lastSend     int64
	firstArrival, lastArriv int64
}

func (ia *interArrival) add(send, arrival int64, _ int) (sendDelta, arrivalDelta int64, ok bool) {
	switch {
	case !ia.cur.valid:
		ia.cur = packetGroup{valid: true, firstSend: send, lastSend: send, firstArrival: arrival, lastArriv: arrival}
		return 0, 0, false
	case send < ia.cur.firstSend:
		return 0, 0, false // reordered from an earlier group
	case send-ia.cur.firstSend <= groupSpan:
		ia.cur.lastSend = max(ia.cur.lastSend, send)
		ia.cur.lastArriv = max(ia.cur.lastArriv, arrival)
		return 0, 0, false
	}
	if ia.prev.valid {
		sendDelta = ia.cur.lastSend - ia.prev.lastSend
		arrivalDelta = ia.cur.lastArriv - ia.prev.lastArriv
		ok = arrivalDelta >= 0 // a clock jump or heavy reordering: skip the sample
	}
	ia.prev = ia.cur
	ia.cur = packetGroup{valid: true, firstSend: send, lastSend: send, firstArrival: arrival, lastArriv: arrival}
	return sendDelta, arrivalDelta, ok
}

// ackedRate is the rate the receiver acknowledged over the last 500 ms of
// its arrival clock.
type ackedRate struct {
	bytes  [ackedBuckets]int
	index  [ackedBuckets]int64
	latest int64
	have   bool
}

func (a *ackedRate) add(arrival int64, size int) {
	idx := arrival / ackedBucket
	slot := int(uint64(idx) % ackedBuckets)
	if a.index[slot] != idx || a.bytes[slot] == 0 {
		a.index[slot], a.bytes[slot] = idx, 0
	}
	a.bytes[slot] += size
	if !a.have || idx > a.latest {
		a.latest, a.have = idx, true
	}
}

// rate returns bits per second, 0 when it covers too little time yet.
func (a *ackedRate) rate() float64 {
	if !a.have {
		return 0
	}
	bytes, earliest := 0, a.latest
	for i := range a.bytes {
		if a.bytes[i] > 0 && a.index[i] > a.latest-ackedBuckets && a.index[i] <= a.latest {
			bytes += a.bytes[i]
			earliest = min(earliest, a.index[i])
		}
	}
	span := (a.latest - earliest + 1) * ackedBucket
	if span < ackedMinSpan {
		return 0
	}
	return float64(bytes) * 8 * 1e9 / float64(span)
}
