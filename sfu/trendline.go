package sfu

import "math"

// bwUsage is the delay-based detector's verdict on the path.
type bwUsage uint8

const (
	usageNormal bwUsage = iota
	usageUnder          // queues draining: hold the rate
	usageOver           // queues growing: decrease
)

// Constants of the trendline filter and its adaptive threshold, as in
// Google Congestion Control (draft-ietf-rmcat-gcc-02 section 5.4 and the
// libwebrtc trendline estimator that replaced its Kalman filter).
const (
	trendWindow        = 20   // samples in the regression
	trendSmoothing     = 0.9  // exponential smoothing of the accumulated delay
	trendGain          = 4.0  // threshold gain of the modified trend
	trendMinDeltas     = 60   // the trend is scaled by min(deltas, this)
	overuseTimeMs      = 10.0 // overuse must last this long...
	thresholdInitialMs = 12.5 // ...above an adaptive threshold starting here
	thresholdKUp       = 0.0087
	thresholdKDown     = 0.039
	thresholdMaxOffset = 15.0
	thresholdMin       = 6.0
	thresholdMax       = 600.0
)

// trendline estimates the slope of the queueing delay from inter-group
// delay variations and compares it with an adaptive threshold. Times are
// milliseconds as float64; its owner (the estimator) serializes calls.
type trendline struct {
	deltas        int
	firstArrival  float64
	accDelay      float64
	smoothedDelay float64
	xs, ys        [trendWindow]float64
	n, head       int

	threshold     float64
	lastUpdate    float64
	haveUpdate    bool
	prevTrend     float64
	timeOverUsing float64 // -1: not over using
	overuseCount  int
	state         bwUsage
}

func newTrendline() *trendline {
	return &trendline{threshold: thresholdInitialMs, timeOverUsing: -1}
}

// update adds one inter-group sample: the arrival and send time deltas of
// two consecutive packet groups and the arrival time of the later one.
func (t *trendline) update(recvDelta, sendDelta, arrival float64) bwUsage {
	delta := recvDelta - sendDelta
	t.deltas = min(t.deltas+1, 1000)
	if t.deltas == 1 {
		t.firstArrival = arrival
	}
	t.accDelay += delta
	t.smoothedDelay = trendSmoothing*t.smoothedDelay + (1-trendSmoothing)*t.accDelay
	t.xs[t.head], t.ys[t.head] = arrival-t.firstArrival, t.smoothedDelay
	t.head = (t.head + 1) % trendWindow
	t.n = min(t.n+1, trendWindow)
	trend := t.prevTrend
	if t.n == trendWindow {
		if s, ok := linearFitSlope(t.xs[:], t.ys[:]); ok {
			trend = s
		}
	}
	t.detect(trend, sendDelta, arrival)
	return t.state
}

func linearFitSlope(xs, ys []float64) (float64, bool) {
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/float64(len(xs)), sy/float64(len(ys))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

func (t *trendline) detect(trend, sendDelta, now float64) {
	if t.deltas < 2 {
		t.state = usageNormal
		return
	}
	modified := float64(min(t.deltas, trendMinDeltas)) * trend * trendGain
	switch {
	case modified > t.threshold:
		if t.timeOverUsing == -1 {
			t.timeOverUsing = sendDelta / 2
		} else {
			t.timeOverUsing += sendDelta
		}
		t.overuseCount++
		if t.timeOverUsing > overuseTimeMs && t.overuseCount > 1 && trend >= t.prevTrend {
			t.timeOverUsing, t.overuseCount = 0, 0
			t.state = usageOver
		}
	case modified < -t.threshold:
		t.timeOverUsing, t.overuseCount = -1, 0
		t.state = usageUnder
	default:
		t.timeOverUsing, t.overuseCount = -1, 0
		t.state = usageNormal
	}
	t.prevTrend = trend
	t.updateThreshold(modified, now)
}

// updateThreshold adapts the threshold towards |modified| (slowly upwards,
// faster downwards), so that the detector neither starves against
// loss-based flows nor fires on noise (GCC section 5.4).
func (t *trendline) updateThreshold(modified, now float64) {
	if !t.haveUpdate {
		t.lastUpdate, t.haveUpdate = now, true
	}
	abs := math.Abs(modified)
	if abs > t.threshold+thresholdMaxOffset {
		t.lastUpdate = now // a spike: do not adapt to it
		return
	}
	k := thresholdKUp
	if abs < t.threshold {
		k = thresholdKDown
	}
	dt := min(now-t.lastUpdate, 100)
	t.threshold += k * (abs - t.threshold) * dt
	t.threshold = min(max(t.threshold, thresholdMin), thresholdMax)
	t.lastUpdate = now
}
