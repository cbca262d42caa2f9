package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-sfu/parley/sfu"
)

// socketCollector reports the media port's sockets as the kernel sees
// them: the buffer sizes it granted and the datagrams it dropped before
// the SFU read them (a receive buffer too small for the load).
type socketCollector struct {
	engine            *sfu.Engine
	drops, rcvb, sndb *prometheus.Desc
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
	}
}

func (c *socketCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.drops
	ch <- c.rcvb
	ch <- c.sndb
}

func (c *socketCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.engine.MediaSockets() {
		ch <- prometheus.MustNewConstMetric(c.rcvb, prometheus.GaugeValue, float64(st.ReceiveBuffer), st.Addr)
		ch <- prometheus.MustNewConstMetric(c.sndb, prometheus.GaugeValue, float64(st.SendBuffer), st.Addr)
		if st.HaveDrops {
			ch <- prometheus.MustNewConstMetric(c.drops, prometheus.CounterValue, float64(st.Drops), st.Addr)
		}
	}
}
