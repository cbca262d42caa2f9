package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-sfu/parley/sfu"
)

// collectorDescs are the descriptions of the node's own metrics.
type collectorDescs struct {
	rooms, participants   *prometheus.Desc
	published, subscribed *prometheus.Desc

	packetsIn, bytesIn, keyframesIn, malformedIn, plisSent *prometheus.Desc

	packetsOut, bytesOut                      *prometheus.Desc
	nacksReceived, nacksAnswered, nacksMissed *prometheus.Desc
	plisReceived, layerSwitches, dropped      *prometheus.Desc
}

func newCollectorDescs() collectorDescs {
	kind := []string{"kind"}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("parley_"+name, help, labels, nil)
	}
	return collectorDescs{
		rooms:        d("rooms", "Rooms open on this node."),
		participants: d("participants", "Participants in the rooms of this node."),
		published:    d("published_tracks", "Tracks published on this node (receivers).", kind...),
		subscribed:   d("subscribed_tracks", "Subscriptions served by this node (down-tracks).", kind...),

		packetsIn:   d("rtp_packets_received_total", "RTP packets received from publishers, all simulcast layers.", kind...),
		bytesIn:     d("rtp_bytes_received_total", "RTP bytes (header and payload) received from publishers.", kind...),
		keyframesIn: d("keyframe_packets_received_total", "Received RTP packets that start a keyframe.", kind...),
		malformedIn: d("rtp_packets_malformed_total", "Received RTP packets dropped because they could not be parsed.", kind...),
		plisSent:    d("plis_sent_total", "Keyframe requests (PLI) sent to publishers.", kind...),

		packetsOut:    d("rtp_packets_sent_total", "RTP packets sent to subscribers, retransmissions included.", kind...),
		bytesOut:      d("rtp_bytes_sent_total", "RTP bytes (header and payload, before SRTP) sent to subscribers.", kind...),
		nacksReceived: d("nacks_received_total", "Sequence numbers subscribers reported lost (NACK).", kind...),
		nacksAnswered: d("nacks_answered_total", "NACKed packets retransmitted from the packet cache.", kind...),
		nacksMissed:   d("nacks_missed_total", "NACKed packets no longer in the packet cache.", kind...),
		plisReceived:  d("plis_received_total", "PLI and FIR messages received from subscribers.", kind...),
		layerSwitches: d("layer_switches_total", "Down-track starts, resumes and simulcast layer changes.", kind...),
		dropped:       d("packets_dropped_total", "Packets offered to a down-track and not sent, by reason.", "kind", "reason"),
	}
}

func (c *collectorDescs) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.rooms, c.participants, c.published, c.subscribed,
		c.packetsIn, c.bytesIn, c.keyframesIn, c.malformedIn, c.plisSent,
		c.packetsOut, c.bytesOut, c.nacksReceived, c.nacksAnswered, c.nacksMissed,
		c.plisReceived, c.layerSwitches, c.dropped,
	} {
		ch <- d
	}
}

// collectKind sends the metrics of one media kind.
func (c *collectorDescs) collectKind(ch chan<- prometheus.Metric, kind string, t *kindTotals) {
	gauge := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), kind)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), kind)
	}
	gauge(c.published, t.published)
	gauge(c.subscribed, t.subscribed)
	counter(c.packetsIn, t.packetsIn)
	counter(c.bytesIn, t.bytesIn)
	counter(c.keyframesIn, t.keyframesIn)
	counter(c.malformedIn, t.malformedIn)
	counter(c.plisSent, t.plisSent)
	counter(c.packetsOut, t.packetsOut)
	counter(c.bytesOut, t.bytesOut)
	counter(c.nacksReceived, t.nacksReceived)
	counter(c.nacksAnswered, t.nacksAnswered)
	counter(c.nacksMissed, t.nacksMissed)
	counter(c.plisReceived, t.plisReceived)
	counter(c.layerSwitches, t.layerSwitches)
	for r := sfu.DropReason(0); r < sfu.NumDropReasons; r++ {
		ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(t.dropped[r]), kind, r.String())
	}
}
