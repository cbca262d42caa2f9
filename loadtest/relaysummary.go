package loadtest

import (
	"maps"
	"reflect"
	"slices"
)

// RelayFigures are the figures of one run, or the medians of several.
// CPU percentages are of one core over the window. Delivered packets are
// the RTP packets the bots received in the window: the same work in both
// placements, so CPU per delivered packet compares them.
type RelayFigures struct {
	// Runs is the number of runs the figures are the medians of.
	Runs                int     `json:"runs"`
	ReceivedMbps        float64 `json:"received_mbps"`
	LossPercent         float64 `json:"loss_percent"`
	LatencyP50MS        float64 `json:"latency_p50_ms"`
	LatencyP95MS        float64 `json:"latency_p95_ms"`
	LatencyP99MS        float64 `json:"latency_p99_ms"`
	CPUPercentA         float64 `json:"cpu_percent_a"`
	CPUPercentB         float64 `json:"cpu_percent_b"`
	CPUPercent          float64 `json:"cpu_percent"` // A and B
	RelayedPerSecond    float64 `json:"relayed_packets_per_second"`
	BotsCPUPercent      float64 `json:"bots_cpu_percent"`
	PacketsOutPerSecond float64 `json:"packets_out_per_second"` // A and B, to subscribers and relays
	DeliveredPerSecond  float64 `json:"delivered_packets_per_second"`
	// MicrosPerPacket is server CPU (A and B) per delivered packet;
	// MicrosPerPacketA and B each node's share.
	MicrosPerPacket  float64 `json:"cpu_us_per_delivered_packet"`
	MicrosPerPacketA float64 `json:"cpu_us_per_delivered_packet_a"`
	MicrosPerPacketB float64 `json:"cpu_us_per_delivered_packet_b"`
}

// RelayDelta is what the hop added: relay minus one node, the median
// over the pairs of runs.
type RelayDelta struct {
	// Pairs is the number of pairs (run n of both placements, both
	// without error) the medians are of.
	Pairs        int     `json:"pairs"`
	LatencyP50MS float64 `json:"latency_p50_ms"`
	LatencyP95MS float64 `json:"latency_p95_ms"`
	LatencyP99MS float64 `json:"latency_p99_ms"`
	CPUPercentA  float64 `json:"cpu_percent_a"`
	CPUPercentB  float64 `json:"cpu_percent_b"`
	CPUPercent   float64 `json:"cpu_percent"` // A and B
	// MicrosPerRelayedPacket is the extra server CPU (A and B) per packet
	// that crossed a relay; CPUPercentPerSubscriber the extra server CPU
	// per subscriber on B (of every room).
	MicrosPerRelayedPacket  float64 `json:"cpu_us_per_relayed_packet"`
	CPUPercentPerSubscriber float64 `json:"cpu_percent_per_subscriber"`
	BotsCPUPercent          float64 `json:"bots_cpu_percent"`
	// CPURatio is the relay run's server CPU per delivered packet over
	// the one-node run's; LatencyP50Ratio the same for the p50 latency.
	CPURatio        float64 `json:"cpu_per_packet_ratio"`
	LatencyP50Ratio float64 `json:"latency_p50_ratio"`
}

// figures are a successful run's figures.
func (r *RelayRun) figures() RelayFigures {
	t := r.Report.Totals
	f := RelayFigures{
		Runs: 1, ReceivedMbps: t.ReceivedMbps, LossPercent: t.LossPercent,
		LatencyP50MS: t.Latency.P50MS, LatencyP95MS: t.Latency.P95MS, LatencyP99MS: t.Latency.P99MS,
		CPUPercentA: r.Nodes[0].CPUPercent, CPUPercentB: r.Nodes[1].CPUPercent,
		CPUPercent:     r.Nodes[0].CPUPercent + r.Nodes[1].CPUPercent,
		BotsCPUPercent: r.Report.Bots.CPUPercent,
	}
	if r.WindowSeconds > 0 {
		f.RelayedPerSecond = float64(r.RelayedPackets) / r.WindowSeconds
		f.PacketsOutPerSecond = float64(r.Nodes[0].PacketsOut+r.Nodes[1].PacketsOut) / r.WindowSeconds
	}
	if secs := r.Report.Window.Seconds; secs > 0 && t.Packets > 0 {
		f.DeliveredPerSecond = float64(t.Packets) / secs
		// % of a core is 10 ms of CPU per second.
		perPacket := func(cpuPercent float64) float64 { return cpuPercent * 1e4 / f.DeliveredPerSecond }
		f.MicrosPerPacket, f.MicrosPerPacketA, f.MicrosPerPacketB = perPacket(f.CPUPercent), perPacket(f.CPUPercentA), perPacket(f.CPUPercentB)
	}
	return f
}

// ok reports whether the run measured everything.
func (r *RelayRun) ok() bool { return r.Report != nil && r.Error == "" }

// summarize fills in the medians and the deltas from the runs.
func (s *RelaySummary) summarize() {
	var one, hop []RelayFigures
	var deltas []RelayDelta
	byRun := map[int][2]*RelayRun{}
	for i := range s.Runs {
		r := &s.Runs[i]
		if !r.ok() {
			continue
		}
		pair := byRun[r.Run]
		if r.Relay {
			hop = append(hop, r.figures())
			pair[1] = r
		} else {
			one = append(one, r.figures())
			pair[0] = r
		}
		byRun[r.Run] = pair
	}
	for _, run := range slices.Sorted(maps.Keys(byRun)) {
		if pair := byRun[run]; pair[0] != nil && pair[1] != nil {
			deltas = append(deltas, deltaOf(pair[0].figures(), pair[1].figures(), max(s.Scenario.Rooms, 1)*s.Scenario.Subscribers))
		}
	}
	s.OneNode, s.Relay, s.Delta = medianFigures(one), medianFigures(hop), medianDelta(deltas)
}

// deltaOf is what the relay run added to the one-node run.
func deltaOf(one, hop RelayFigures, subscribers int) RelayDelta {
	d := RelayDelta{
		Pairs:        1,
		LatencyP50MS: hop.LatencyP50MS - one.LatencyP50MS,
		LatencyP95MS: hop.LatencyP95MS - one.LatencyP95MS,
		LatencyP99MS: hop.LatencyP99MS - one.LatencyP99MS,
		CPUPercentA:  hop.CPUPercentA - one.CPUPercentA,
		CPUPercentB:  hop.CPUPercentB - one.CPUPercentB,
		CPUPercent:   hop.CPUPercent - one.CPUPercent,

		BotsCPUPercent: hop.BotsCPUPercent - one.BotsCPUPercent,
	}
	if hop.RelayedPerSecond > 0 {
		// % of a core is 10 ms of CPU per second.
		d.MicrosPerRelayedPacket = d.CPUPercent * 1e4 / hop.RelayedPerSecond
	}
	if subscribers > 0 {
		d.CPUPercentPerSubscriber = d.CPUPercent / float64(subscribers)
	}
	d.CPURatio = ratio(hop.MicrosPerPacket, one.MicrosPerPacket)
	d.LatencyP50Ratio = ratio(hop.LatencyP50MS, one.LatencyP50MS)
	return d
}

// ratio is a/b, 0 when b is.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// medianFigures are the field-wise medians.
func medianFigures(fs []RelayFigures) RelayFigures {
	m := medianFields(fs)
	m.Runs = len(fs)
	return m
}

// medianDelta is the field-wise median of the pairs' deltas.
func medianDelta(ds []RelayDelta) RelayDelta {
	m := medianFields(ds)
	m.Pairs = len(ds)
	return m
}

// medianFields returns a T whose float64 fields are the medians of those
// of xs; other fields stay zero, and so does everything when xs is empty.
func medianFields[T any](xs []T) T {
	var out T
	if len(xs) == 0 {
		return out
	}
	v := reflect.ValueOf(&out).Elem()
	for i := range v.NumField() {
		if v.Field(i).Kind() == reflect.Float64 {
			v.Field(i).SetFloat(median(xs, func(x *T) float64 { return reflect.ValueOf(x).Elem().Field(i).Float() }))
		}
	}
	return out
}

// median is the median of one field over xs (the mean of the middle two
// for an even count).
func median[T any](xs []T, get func(*T) float64) float64 {
	v := make([]float64, len(xs))
	for i := range xs {
		v[i] = get(&xs[i])
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
