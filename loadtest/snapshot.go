package loadtest

import (
	"context"
	"os"
	"time"
)

// snapshot is every counter of a run at one moment; two of them bound a
// window.
type snapshot struct {
	at        time.Time
	senders   map[*sender]SenderStats
	feedback  map[*sender]feedbackCount
	recvs     map[*receiver]ReceiverStats
	latency   map[*bot]histSnapshot
	nacks     map[*bot]uint64 // sent
	plis      map[*bot]uint64 // sent
	botsCPU   time.Duration
	botsDrops uint64
	server    serverSample
	connected int
}

// snapshot reads every bot's counters and the server.
func (r *runner) snapshot(ctx context.Context) snapshot {
	s := snapshot{
		at:       time.Now(),
		senders:  map[*sender]SenderStats{},
		feedback: map[*sender]feedbackCount{},
		recvs:    map[*receiver]ReceiverStats{},
		latency:  map[*bot]histSnapshot{},
		nacks:    map[*bot]uint64{},
		plis:     map[*bot]uint64{},
		botsCPU:  selfCPU(),
	}
	s.botsDrops, _ = udpDrops(os.Getpid())
	s.connected = r.connected()
	for _, b := range r.bots {
		for _, snd := range b.senderList() {
			s.senders[snd] = snd.stats.snapshot()
			s.feedback[snd] = b.rtcp.receivedFor(snd.ssrc.Load())
		}
		for _, rc := range b.receiverList() {
			s.recvs[rc] = rc.c.snapshot()
		}
		s.latency[b] = b.latency.snapshot()
		s.nacks[b] = b.rtcp.nacksSent.Load()
		s.plis[b] = b.rtcp.plisSent.Load()
	}
	sv, err := r.monitor.sample(ctx)
	s.server = sv
	if err != nil {
		r.mu.Lock()
		r.serverNote = err.Error()
		r.mu.Unlock()
	}
	return s
}

// totalsSince sums what the bots sent and received between o and s.
func (s *snapshot) totalsSince(o *snapshot) (sentBytes, recvBytes, expected, received uint64, lat histSnapshot) {
	for snd, st := range s.senders {
		sentBytes += st.Bytes - o.senders[snd].Bytes
	}
	for rc, st := range s.recvs {
		d := st.sub(o.recvs[rc])
		recvBytes += d.Bytes
		expected += d.Expected
		received += d.Received
	}
	for b, h := range s.latency {
		prev := o.latency[b]
		d := h.since(&prev)
		lat.merge(&d)
	}
	return sentBytes, recvBytes, expected, received, lat
}

// sample runs the timeline and the progress line until ctx ends.
func (r *runner) sample(ctx context.Context) {
	t := time.NewTicker(r.cfg.ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := r.snapshot(ctx)
		r.mu.Lock()
		prev := r.last
		r.last = now
		phase := r.phase
		if phase == phaseWindow {
			r.peakRSS = max(r.peakRSS, now.server.RSS)
		}
		r.mu.Unlock()

		secs := now.at.Sub(prev.at).Seconds()
		sent, recv, expected, received, lat := now.totalsSince(&prev)
		lost := uint64(0)
		if expected > received {
			lost = expected - received
		}
		got, want := r.tracks()
		smp := Sample{
			T:            now.at.Sub(r.started).Seconds(),
			Phase:        phase,
			Connected:    now.connected,
			TracksGot:    got,
			SentMbps:     mbps(sent, secs),
			ReceivedMbps: mbps(recv, secs),
			LossPercent:  percent(lost, expected),
			LatencyP50MS: lat.quantile(0.5),
			LatencyP99MS: lat.quantile(0.99),
			Errors:       r.errorCount(),
		}
		if now.server.HaveCPU && prev.server.HaveCPU && secs > 0 {
			smp.ServerCPUPercent = (now.server.CPU - prev.server.CPU).Seconds() / secs * 100
		}
		r.mu.Lock()
		r.timeline = append(r.timeline, smp)
		r.mu.Unlock()
		r.progress.update(smp, len(r.bots), want)
	}
}

// connected counts the bots in the room now.
func (r *runner) connected() int {
	n := 0
	for _, b := range r.bots {
		if b.connected.Load() {
			n++
		}
	}
	return n
}

// errorCount sums the bots' errors.
func (r *runner) errorCount() uint64 {
	var n uint64
	for _, b := range r.bots {
		n += b.errors.Load()
	}
	return n
}
