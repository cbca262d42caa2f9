package server

import (
	"net/http"
	"net/http/pprof"
	"sync"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/sfu"
)

// observe adds the operator endpoints to mux: Prometheus metrics at
// /metrics, and Go's profiler at /debug/pprof/ when enabled (always in dev
// mode, which binds to localhost only).
func (s *Server) observe(mux *http.ServeMux) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newNodeCollector(s.rooms, s.engine),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if s.cfg.PProf || s.cfg.Dev {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
}

// nodeCollector reads the rooms' and the media engine's counters when
// Prometheus scrapes: the packet path only bumps the atomics it already
// keeps (sfu.DownTrackStats, sfu.ReceiverStats) and knows nothing of
// metrics.
//
// Counters must never go down, yet down-tracks and receivers come and go.
// The collector remembers which ones it saw at the previous scrape; when
// one is gone, its counters (final by then: it was closed) are read once
// more and kept in the retired totals. A track that lives and dies
// between two scrapes is not counted.
type nodeCollector struct {
	rooms  *room.Manager
	engine *sfu.Engine

	mu      sync.Mutex // one scrape at a time
	downs   map[*sfu.DownTrack]struct{}
	recvs   map[*sfu.Receiver]struct{}
	retired [2]kindTotals // by kindIndex

	descs collectorDescs
}

// kindTotals are the summed counters of one media kind.
type kindTotals struct {
	published, subscribed uint64 // gauges: live receivers and down-tracks

	packetsIn, bytesIn, keyframesIn, malformedIn, plisSent uint64

	packetsOut, bytesOut                      uint64
	nacksReceived, nacksAnswered, nacksMissed uint64
	plisReceived, layerSwitches               uint64
	dropped                                   [sfu.NumDropReasons]uint64
}

func (t *kindTotals) addReceiver(s sfu.ReceiverStats) {
	for _, l := range s.Layers {
		t.packetsIn += l.Packets
		t.bytesIn += l.Bytes
		t.keyframesIn += l.Keyframes
		t.malformedIn += l.Malformed
		t.plisSent += l.PLIsSent
	}
}

func (t *kindTotals) addDownTrack(s sfu.DownTrackStats) {
	t.packetsOut += s.PacketsSent
	t.bytesOut += s.BytesSent
	t.nacksReceived += s.NACKsReceived
	t.nacksAnswered += s.NACKsAnswered
	t.nacksMissed += s.NACKsMissed
	t.plisReceived += s.PLIsReceived
	t.layerSwitches += s.LayerSwitches
	for i, n := range s.Dropped {
		t.dropped[i] += n
	}
}

// kindLabel is the metric label of kind index k (kindIndex).
func kindLabel(k int) string {
	if k == 1 {
		return "video"
	}
	return "audio"
}

func kindIndex(k webrtc.RTPCodecType) int {
	if k == webrtc.RTPCodecTypeVideo {
		return 1
	}
	return 0
}

func newNodeCollector(rooms *room.Manager, engine *sfu.Engine) *nodeCollector {
	return &nodeCollector{
		rooms:  rooms,
		engine: engine,
		downs:  map[*sfu.DownTrack]struct{}{},
		recvs:  map[*sfu.Receiver]struct{}{},
		descs:  newCollectorDescs(),
	}
}

// Describe implements prometheus.Collector.
func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) { c.descs.describe(ch) }

// Collect implements prometheus.Collector.
func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	rooms := c.rooms.Rooms()
	participants := 0
	for _, r := range rooms {
		participants += r.Info().NumParticipants
	}
	ch <- prometheus.MustNewConstMetric(c.descs.rooms, prometheus.GaugeValue, float64(len(rooms)))
	ch <- prometheus.MustNewConstMetric(c.descs.participants, prometheus.GaugeValue, float64(participants))

	totals := c.totals()
	for k, t := range totals {
		c.descs.collectKind(ch, kindLabel(k), &t)
	}
}

// totals sums the live down-tracks and receivers onto the retired ones and
// retires those that disappeared since the last scrape.
func (c *nodeCollector) totals() [2]kindTotals {
	c.mu.Lock()
	defer c.mu.Unlock()
	liveRecvs := map[*sfu.Receiver]struct{}{}
	for _, p := range c.engine.Publishers() {
		for _, r := range p.Receivers() {
			liveRecvs[r] = struct{}{}
		}
	}
	liveDowns := map[*sfu.DownTrack]struct{}{}
	for _, s := range c.engine.Subscribers() {
		for _, d := range s.DownTracks() {
			liveDowns[d] = struct{}{}
		}
	}
	for r := range c.recvs {
		if _, ok := liveRecvs[r]; !ok {
			c.retired[kindIndex(r.Kind())].addReceiver(r.Stats())
		}
	}
	for d := range c.downs {
		if _, ok := liveDowns[d]; !ok {
			c.retired[kindIndex(d.Kind())].addDownTrack(d.Stats())
		}
	}
	c.recvs, c.downs = liveRecvs, liveDowns

	out := c.retired
	for r := range liveRecvs {
		t := &out[kindIndex(r.Kind())]
		t.published++
		t.addReceiver(r.Stats())
	}
	for d := range liveDowns {
		t := &out[kindIndex(d.Kind())]
		t.subscribed++
		t.addDownTrack(d.Stats())
	}
	return out
}
