package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-sfu/parley/sfu"
)

// socketCollector reports the media port's sockets as the kernel sees
// them: the buffer sizes it granted and the datagrams it dropped before
// the SFU read them (a receive buffer too small for the load); and how
// their send queues batch (sendmmsg) and what they lose.
type socketCollector struct {
	engine            *sfu.Engine
	drops, rcvb, sndb *prometheus.Desc
	batches, batched  *prometheus.Desc
	overflows, unsent *prometheus.Desc
}

func newSocketCollector(engine *sfu.Engine) *socketCollector {
	addr := []string{"addr"}
	return &socketCollector{
		engine: engine,
		drops: prometheus.NewDesc("parley_media_socket_drops_total",
			"Datagrams the kernel dropped on arrival at the media port (full receive buffer).", addr, nil),
		rcvb: prometheus.NewDesc("parley_media_socket_receive_buffer_bytes",
			"Receive buffer of the media port's socket, as the kernel reports it.", addr, nil),
		sndb: prometheus.NewDesc("parley_media_socket_send_buffer_bytes",
			"Send buffer of the media port's socket, as the kernel reports it.", addr, nil),
		batches: prometheus.NewDesc("parley_media_socket_send_batches_total",
			"System calls (sendmmsg) that sent queued datagrams of the media port.", addr, nil),
		batched: prometheus.NewDesc("parley_media_socket_batched_datagrams_total",
			"Datagrams the media port sent in batches.", addr, nil),
		overflows: prometheus.NewDesc("parley_media_socket_send_queue_overflows_total",
			"Datagrams sent on their own because the media port's send queue was full.", addr, nil),
		unsent: prometheus.NewDesc("parley_media_socket_send_dropped_total",
			"Queued datagrams not sent: refused by the kernel, or no socket buffer space (buffer_full).",
			[]string{"addr", "reason"}, nil),
	}
}

func (c *socketCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.drops
	ch <- c.rcvb
	ch <- c.sndb
	ch <- c.batches
	ch <- c.batched
	ch <- c.overflows
	ch <- c.unsent
}

func (c *socketCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.engine.MediaSockets() {
		ch <- prometheus.MustNewConstMetric(c.rcvb, prometheus.GaugeValue, float64(st.ReceiveBuffer), st.Addr)
		ch <- prometheus.MustNewConstMetric(c.sndb, prometheus.GaugeValue, float64(st.SendBuffer), st.Addr)
		if st.HaveDrops {
			ch <- prometheus.MustNewConstMetric(c.drops, prometheus.CounterValue, float64(st.Drops), st.Addr)
		}
		ch <- prometheus.MustNewConstMetric(c.batches, prometheus.CounterValue, float64(st.SendBatches), st.Addr)
		ch <- prometheus.MustNewConstMetric(c.batched, prometheus.CounterValue, float64(st.BatchedDatagrams), st.Addr)
		ch <- prometheus.MustNewConstMetric(c.overflows, prometheus.CounterValue, float64(st.QueueOverflows), st.Addr)
		ch <- prometheus.MustNewConstMetric(c.unsent, prometheus.CounterValue, float64(st.SendRefused), st.Addr, "refused")
		ch <- prometheus.MustNewConstMetric(c.unsent, prometheus.CounterValue, float64(st.SendBufferFull), st.Addr, "buffer_full")
	}
}
