package sfu

import (
	"math/rand/v2"
	"testing"

	"github.com/pion/interceptor/pkg/twcc"
)

// bweSim drives a bandwidth estimator against a simulated bottleneck in
// virtual time: a sender that sends what the estimate allows (up to a
// demand), a FIFO link with a capacity, a queue limit and random loss, and
// a receiver that sends transport-wide feedback every 50 ms, built by
// pion's recorder.
type bweSim struct {
	t        *testing.T
	now      int64
	clk      *clock
	setNow   func(int64)
	hist     *sendHistory
	est      *bandwidthEstimator
	rec      *twcc.Recorder
	rng      *rand.Rand
	demand   float64 // bits per second the application would send
	force    float64 // when set, send at this rate whatever the estimate (a probe)
	capacity float64
	loss     float64 // share of packets lost at random
	delay    int64   // one-way propagation, ns
	queueMax int     // bytes

	busyUntil int64
	inFlight  []simPacket // sorted by arrival
	feedback  []simFeedback
	nextFB    int64
	credit    float64
	maxQueue  int64 // largest queueing delay seen since the last reset, ns
	sentBits  float64
}

type simPacket struct {
	seq     uint16
	arrival int64
}

type simFeedback struct {
	at  int64
	raw []byte
}

func newBWESim(t *testing.T, start float64) *bweSim {
	clk, manual := newManualClock()
	hist := newSendHistory(clk)
	s := &bweSim{
		t: t, clk: clk, setNow: manual.Store, hist: hist,
		est:      newBandwidthEstimator(hist, clk, estimatorLimits{start: start, min: 30_000, max: 20_000_000}),
		rec:      twcc.NewRecorder(1),
		rng:      rand.New(rand.NewPCG(1, 2)),
		delay:    20e6,
		queueMax: 200_000,
	}
	return s
}

// run advances the simulation by d nanoseconds in 1 ms steps.
func (s *bweSim) run(d int64) {
	for end := s.now + d; s.now < end; s.now += 1e6 {
		s.setNow(s.now)
		s.send()
		s.receive()
		s.deliverFeedback()
		if testing.Verbose() && s.now%1e9 == 0 {
			s.t.Logf("t=%2ds estimate %8.0f capacity %8.0f queue %3d ms", s.now/1e9, s.estimate(), s.capacity, max(s.busyUntil-s.now, 0)/1e6)
		}
	}
}

// send paces packets of 1200 bytes at the estimate (capped by demand).
func (s *bweSim) send() {
	est, _ := s.est.Estimate()
	rate := min(float64(est), s.demand)
	if s.force > 0 {
		rate = s.force
	}
	s.credit += rate / 1000 // bits per ms
	for s.credit >= 1200*8 {
		s.credit -= 1200 * 8
		seq := s.hist.take()
		s.hist.record(seq, 1200, s.now, false)
		s.sentBits += 1200 * 8
		if s.rng.Float64() < s.loss {
			continue
		}
		start := max(s.now, s.busyUntil)
		backlog := int((start - s.now) * int64(s.capacity) / 8e9)
		if backlog+1200 > s.queueMax {
			continue // tail drop
		}
		s.maxQueue = max(s.maxQueue, start-s.now)
		s.busyUntil = start + int64(1200*8*1e9/s.capacity)
		s.inFlight = append(s.inFlight, simPacket{seq: seq, arrival: s.busyUntil + s.delay})
	}
}

// receive records arrived packets and sends feedback every 50 ms.
func (s *bweSim) receive() {
	n := 0
	for _, p := range s.inFlight {
		if p.arrival > s.now {
			break
		}
		s.rec.Record(2, p.seq, p.arrival/1000)
		n++
	}
	s.inFlight = s.inFlight[n:]
	if s.now < s.nextFB {
		return
	}
	s.nextFB = s.now + 50e6
	for _, p := range s.rec.BuildFeedbackPacket() {
		raw, err := p.Marshal()
		if err != nil {
			s.t.Fatal(err)
		}
		s.feedback = append(s.feedback, simFeedback{at: s.now + s.delay, raw: raw})
	}
}

func (s *bweSim) deliverFeedback() {
	n := 0
	for _, f := range s.feedback {
		if f.at > s.now {
			break
		}
		pkt, _, ok := nextRTCP(f.raw)
		if !ok {
			s.t.Fatal("bad feedback")
		}
		fb, ok := parseTWCC(pkt.fci())
		if !ok {
			s.t.Fatalf("feedback not parsed: % x", f.raw)
		}
		s.est.onTransportFeedback(&fb)
		n++
	}
	s.feedback = s.feedback[n:]
}

// probe sends at rate for 250 ms as one probe cluster, runs on for wait
// and returns the probe's outcome.
func (s *bweSim) probe(rate float64, wait int64) (float64, bool) {
	s.est.startProbe(uint16(s.hist.next.Load()), rate)
	s.force = rate
	s.run(250e6)
	s.est.endProbe(uint16(s.hist.next.Load() - 1))
	s.force = 0
	s.run(wait)
	return s.est.probeOutcome()
}

func (s *bweSim) estimate() float64 {
	e, _ := s.est.Estimate()
	return float64(e)
}

// TestEstimatorConvergesToCapacity: from a low start the estimate climbs to
// the bottleneck without standing queues, follows it down when it halves,
// and does not collapse under moderate random loss.
func TestEstimatorConvergesToCapacity(t *testing.T) {
	s := newBWESim(t, 300_000)
	s.demand, s.capacity = 5e6, 1.5e6
	s.run(20e9)
	if e := s.estimate(); e < 0.7*s.capacity || e > 1.3*s.capacity {
		t.Fatalf("after 20 s on a 1.5 Mbit/s path the estimate is %.0f", e)
	}
	s.maxQueue = 0
	s.run(5e9)
	if s.maxQueue > 300e6 {
		t.Fatalf("queueing delay reached %d ms at steady state", s.maxQueue/1e6)
	}

	s.capacity = 400_000
	s.run(3e9)
	if e := s.estimate(); e > 1.3*s.capacity {
		t.Fatalf("3 s after the path dropped to 400 kbit/s the estimate is %.0f", e)
	}
	s.run(10e9)
	if e := s.estimate(); e < 0.6*s.capacity || e > 1.3*s.capacity {
		t.Fatalf("settled at %.0f on a 400 kbit/s path", e)
	}

	s.capacity, s.loss = 1.5e6, 0.05
	s.run(20e9)
	if e := s.estimate(); e < 0.6*s.capacity {
		t.Fatalf("5%% random loss pulled the estimate down to %.0f", e)
	}
}

// TestEstimatorCutsOnHeavyLoss: loss above 10% caps the estimate even when
// delay shows no congestion.
func TestEstimatorCutsOnHeavyLoss(t *testing.T) {
	s := newBWESim(t, 2e6)
	s.demand, s.capacity, s.loss = 5e6, 50e6, 0.25
	s.run(10e9)
	if e := s.estimate(); e > 1e6 {
		t.Fatalf("with 25%% loss the estimate stayed at %.0f", e)
	}
	if f := s.est.LossFraction(); f < 0.15 || f > 0.35 {
		t.Fatalf("loss fraction %.2f, want about 0.25", f)
	}
}

// TestEstimatorAppLimited: a sender that sends little cannot grow its
// estimate far beyond what it sends; a probe at a higher rate over a path
// with room raises it.
func TestEstimatorAppLimited(t *testing.T) {
	s := newBWESim(t, 300_000)
	s.demand, s.capacity = 200_000, 5e6
	s.run(10e9)
	if e := s.estimate(); e > 1.5*s.demand+10_000+50_000 {
		t.Fatalf("an application-limited sender grew its estimate to %.0f", e)
	}
	r, done := s.probe(2e6, 500e6)
	if !done || r < 0.85*2e6 {
		t.Fatalf("probe result %.0f (done %v), want about 2e6", r, done)
	}
	if e := s.estimate(); e < 0.85*2e6 {
		t.Fatalf("estimate %.0f after a successful 2 Mbit/s probe", e)
	}
}

// TestProbeOverNarrowPath: a probe beyond the capacity measures the
// capacity, not the probe rate.
func TestProbeOverNarrowPath(t *testing.T) {
	s := newBWESim(t, 300_000)
	s.demand, s.capacity = 100_000, 400_000
	s.run(5e9)
	r, done := s.probe(1.5e6, 2e9)
	if !done || r > 0.6e6 {
		t.Fatalf("probe over a 400 kbit/s path measured %.0f (done %v)", r, done)
	}
	if e := s.estimate(); e > 0.7e6 {
		t.Fatalf("estimate %.0f after a failed probe over a 400 kbit/s path", e)
	}
}

// TestEstimatorREMBFallback: a subscriber that sends REMB but no
// transport-wide feedback is estimated at its REMB; one that sends
// nothing at all has no estimate after a while (nothing limits it).
func TestEstimatorREMBFallback(t *testing.T) {
	clk, now := newManualClock()
	e := newBandwidthEstimator(newSendHistory(clk), clk, estimatorLimits{start: 1e6, min: 30_000, max: 1e7})
	if est, ok := e.Estimate(); !ok || est != 1e6 {
		t.Fatalf("start: %d %v", est, ok)
	}
	now.Store(6e9)
	if _, ok := e.Estimate(); ok {
		t.Fatal("an estimate without any feedback")
	}
	e.onREMB(400_000)
	if est, ok := e.Estimate(); !ok || est != 400_000 {
		t.Fatalf("after REMB: %d %v", est, ok)
	}
	e.onREMB(50e6)
	if est, _ := e.Estimate(); est != 1e7 {
		t.Fatalf("REMB above the ceiling: %d", est)
	}
}
