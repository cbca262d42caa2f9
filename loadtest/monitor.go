package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// serverMonitor reads the server's figures: CPU time and memory from
// /proc when the server's PID is known (it runs on this machine), packet
// counters (and CPU and memory when there is no PID) from its /metrics.
type serverMonitor struct {
	pid  int
	url  string
	http *http.Client
}

// serverSample is the server's state at one moment; fields the sources
// could not give are left zero with their Have flag false.
type serverSample struct {
	At time.Time

	HaveCPU bool
	CPU     time.Duration
	RSS     uint64
	// UDPDrops counts datagrams the kernel dropped because one of the
	// server's sockets had a full receive buffer (known with a PID).
	UDPDrops uint64

	HaveCounters         bool
	PacketsOut, BytesOut float64
	PacketsIn, BytesIn   float64
	NACKs, NACKsMissed   float64 // from subscribers
	PLIsSent, Dropped    float64 // to publishers; packets not forwarded
}

func newServerMonitor(cfg *Config) *serverMonitor {
	return &serverMonitor{pid: cfg.ServerPID, url: metricsURL(cfg), http: &http.Client{Timeout: 2 * time.Second}}
}

// source describes where the figures come from.
func (m *serverMonitor) source(s serverSample) string {
	switch {
	case m.pid > 0 && s.HaveCounters:
		return fmt.Sprintf("/proc/%d and %s", m.pid, m.url)
	case m.pid > 0:
		return fmt.Sprintf("/proc/%d", m.pid)
	case s.HaveCounters:
		return m.url
	}
	return ""
}

// sample reads the server now; err says why figures are missing.
func (m *serverMonitor) sample(ctx context.Context) (serverSample, error) {
	s := serverSample{At: time.Now()}
	var errs []error
	if m.pid > 0 {
		p, err := readProc(m.pid)
		if err == nil {
			s.HaveCPU, s.CPU, s.RSS = true, p.CPU, p.RSS
			s.UDPDrops, _ = udpDrops(m.pid)
		} else {
			errs = append(errs, fmt.Errorf("server process %d: %w", m.pid, err))
		}
	}
	if m.url != "" {
		v, err := scrapeMetrics(ctx, m.http, m.url)
		if err == nil {
			if _, ok := v["parley_rtp_packets_sent_total"]; ok {
				s.HaveCounters = true
				s.PacketsOut, s.BytesOut = v["parley_rtp_packets_sent_total"], v["parley_rtp_bytes_sent_total"]
				s.PacketsIn, s.BytesIn = v["parley_rtp_packets_received_total"], v["parley_rtp_bytes_received_total"]
				s.NACKs, s.NACKsMissed = v["parley_nacks_received_total"], v["parley_nacks_missed_total"]
				s.PLIsSent, s.Dropped = v["parley_plis_sent_total"], v["parley_packets_dropped_total"]
			}
			if cpu, ok := v["process_cpu_seconds_total"]; ok && !s.HaveCPU {
				s.HaveCPU, s.CPU = true, time.Duration(cpu*float64(time.Second))
				s.RSS = uint64(v["process_resident_memory_bytes"])
			}
		} else {
			errs = append(errs, fmt.Errorf("server metrics: %w", err))
		}
	}
	if len(errs) > 0 {
		return s, errs[0]
	}
	return s, nil
}
