package sfu

import (
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// Controller timing.
const (
	controlInterval = 100 * time.Millisecond
	allocInterval   = 500e6
	reportInterval  = 1e9
	// defaultAudioBitrate is reserved for an audio track not measured yet.
	defaultAudioBitrate = 40_000
)

// controller is a subscriber connection's control goroutine. Every tick
// (and when kicked) it:
//   - splits the bandwidth estimate over the video down-tracks (allocate),
//     audio being reserved first and never limited;
//   - probes when a track waits for bandwidth (see prober);
//   - sends sender reports (RFC 3550 section 6.4.1), which pion's report
//     interceptor would have done at the cost of a lock per packet;
//   - reports stream state changes (paused for bandwidth, layer switched).
//
// It runs off the packet path and may take locks and allocate.
type controller struct {
	s      *Subscriber
	tx     *sendSide
	cfg    CongestionConfig
	kickCh chan struct{}
	stop   chan struct{}

	// goroutine-owned
	tracks     map[*DownTrack]*trackControl
	lastAlloc  int64
	lastReport int64
	prober     prober
}

// trackControl is the controller's memory of one down-track.
type trackControl struct {
	alloc     allocation
	holdUntil int64
	reported  StreamState
	haveState bool
}

func newController(s *Subscriber, tx *sendSide, cfg CongestionConfig) *controller {
	c := &controller{
		s:      s,
		tx:     tx,
		cfg:    cfg,
		kickCh: make(chan struct{}, 1),
		stop:   make(chan struct{}),
		tracks: map[*DownTrack]*trackControl{},
	}
	c.prober = newProber(tx)
	return c
}

// kick asks for an allocation soon; it never blocks.
func (c *controller) kick() {
	select {
	case c.kickCh <- struct{}{}:
	default:
	}
}

func (c *controller) run() {
	t := time.NewTicker(controlInterval)
	defer t.Stop()
	for {
		kicked := false
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.kickCh:
			kicked = true
		}
		now := c.tx.clock.now()
		dts := c.s.DownTracks()
		c.forget(dts)
		if kicked || now-c.lastAlloc >= allocInterval {
			c.lastAlloc = now
			c.allocate(dts, now)
		}
		c.reportStates(dts)
		if now-c.lastReport >= reportInterval {
			c.lastReport = now
			c.senderReports(dts, now)
		}
		if c.cfg.Enabled && c.cfg.Probing {
			c.prober.step(dts, now, c.stop, c.kick)
		}
	}
}

// forget drops the memory of removed down-tracks.
func (c *controller) forget(dts []*DownTrack) {
	if len(c.tracks) == len(dts) {
		return
	}
	keep := make(map[*DownTrack]bool, len(dts))
	for _, d := range dts {
		keep[d] = true
	}
	for d := range c.tracks {
		if !keep[d] {
			delete(c.tracks, d)
		}
	}
}

func (c *controller) track(d *DownTrack) *trackControl {
	tc, ok := c.tracks[d]
	if !ok {
		tc = &trackControl{}
		c.tracks[d] = tc
	}
	return tc
}

// allocate fits the video down-tracks into the estimate.
func (c *controller) allocate(dts []*DownTrack, now int64) {
	est, ok := c.tx.bwe.Estimate()
	var video []*DownTrack
	audio := uint64(0)
	for _, d := range dts {
		if d.kind != webrtc.RTPCodecTypeVideo {
			if d.DesiredLayer() != LayerNone {
				audio += audioBitrate(d.src)
			}
			continue
		}
		video = append(video, d)
	}
	if !c.cfg.Enabled || !ok {
		for _, d := range video {
			c.track(d).alloc = allocation{}
			d.setAllocation(allocation{}, LayerNone)
		}
		c.prober.want(0, nil)
		return
	}
	budget := est - min(est, audio)
	tracks := make([]allocTrack, len(video))
	for i, d := range video {
		tc := c.track(d)
		prefs := d.Preferences()
		layers := d.src.Layers()
		desired := d.DesiredLayer()
		t := allocTrack{
			id:          d.ID(),
			priority:    d.Priority(),
			desired:     desired,
			maxTemporal: temporalFor(prefs.FPS, layerFPS(d.src, max(desired, 0))),
			active:      activeLayers(d.src, len(layers)),
			info:        layers,
			current:     tc.alloc,
			held:        now < tc.holdUntil,
		}
		if rs, ok := d.src.(rateSource); ok {
			t.rates = rs.LayerRates()
		}
		tracks[i] = t
	}
	results := allocate(budget, tracks)
	used := uint64(0)
	var probeFor *DownTrack
	probeNeed := uint64(0)
	for i, d := range video {
		tc := c.track(d)
		r := results[i]
		if below(r.alloc, tc.alloc) {
			tc.holdUntil = now + upgradeHold
		}
		tc.alloc = r.alloc
		d.setAllocation(r.alloc, lowestActive(tracks[i].active))
		used += r.cost
		if probeFor == nil && r.next > 0 {
			probeFor, probeNeed = d, r.next
		}
	}
	target := uint64(0)
	if probeFor != nil && c.tx.bwe.settled(now) {
		// The estimate at which the allocator would take the next step,
		// but never more than twice the estimate at once.
		target = min(uint64(float64(used+probeNeed+audio)/upHeadroom), 2*est)
		if target <= est {
			target = 0 // it fits already; the hold is what keeps it
		}
	}
	c.prober.want(target, probeFor)
}

// below reports whether allocation a is less than b (a cut).
func below(a, b allocation) bool {
	switch {
	case !a.set:
		return false
	case !b.set:
		return a.layer == LayerNone
	case a.layer == LayerNone:
		return b.layer != LayerNone
	case b.layer == LayerNone:
		return false
	}
	return a.layer < b.layer || (a.layer == b.layer && a.temporal < b.temporal)
}

func lowestActive(active uint8) int8 {
	for i := int8(0); i < MaxLayers; i++ {
		if active&(1<<i) != 0 {
			return i
		}
	}
	return LayerNone
}

// audioBitrate is what an audio source uses (measured, else a default).
func audioBitrate(src TrackSource) uint64 {
	if rs, ok := src.(rateSource); ok {
		if r := uint64(rs.LayerRates()[0].Upto(3)); r > 0 {
			return r
		}
	}
	return defaultAudioBitrate
}

// reportStates tells the subscriber about video tracks whose state
// changed.
func (c *controller) reportStates(dts []*DownTrack) {
	var changed []StreamState
	for _, d := range dts {
		if d.kind != webrtc.RTPCodecTypeVideo || !d.live.Load() {
			continue
		}
		tc := c.track(d)
		st := d.StreamState()
		if tc.haveState && st == tc.reported {
			continue
		}
		tc.reported, tc.haveState = st, true
		changed = append(changed, st)
	}
	if len(changed) > 0 && c.s.cfg.OnStreamState != nil {
		c.s.cfg.OnStreamState(changed)
	}
}

// senderReports sends one compound RTCP packet with a sender report for
// every stream that has sent media: the RTP time that corresponds to now
// (extrapolated from the last packet's arrival), so the subscriber can
// synchronize audio and video and compute the round-trip time.
func (c *controller) senderReports(dts []*DownTrack, now int64) {
	wall := time.Now()
	var pkts []rtcp.Packet
	for _, d := range dts {
		b := d.bind.Load()
		if b == nil || !d.live.Load() {
			continue
		}
		ts, ok := d.report.at(now, d.codec.ClockRate)
		if !ok {
			continue
		}
		st := d.stats.snapshot()
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC:        b.ssrc,
			NTPTime:     ntpTime(wall),
			RTPTime:     ts,
			PacketCount: uint32(st.PacketsSent),
			OctetCount:  uint32(st.BytesSent),
		})
	}
	if len(pkts) == 0 {
		return
	}
	if err := c.s.pc.WriteRTCP(pkts); err != nil {
		c.s.log.Debug("sender reports not sent", "err", err)
	}
}
