package loadtest

import (
	"reflect"
	"testing"
)

// relayRun makes a run with the figures the summary reads.
func relayRun(run int, relay bool, p50, p95, p99, cpuA, cpuB, bots float64, relayed uint64) RelayRun {
	return RelayRun{
		Run: run, Relay: relay, WindowSeconds: 10, RelayedPackets: relayed,
		Nodes: [2]NodeStats{{CPUPercent: cpuA}, {CPUPercent: cpuB}},
		Report: &Report{
			// 1000 packets delivered per second: µs per packet = 10 × CPU %.
			Window: Window{Seconds: 10},
			Totals: Totals{ReceivedMbps: 40, Packets: 10000, Latency: Latency{P50MS: p50, P95MS: p95, P99MS: p99}},
			Bots:   BotStats{CPUPercent: bots},
		},
	}
}

// noPackets makes r a run whose bots received nothing.
func noPackets(r RelayRun) RelayRun {
	r.Report.Totals.Packets, r.Report.Totals.ReceivedMbps = 0, 0
	return r
}

func TestRelaySummarize(t *testing.T) {
	tests := []struct {
		name      string
		runs      []RelayRun
		one, hop  RelayFigures
		wantDelta RelayDelta
	}{
		{
			name: "three pairs: medians of each placement and of the pairs' differences",
			runs: []RelayRun{
				relayRun(1, false, 1, 2, 4, 10, 0, 12, 0),
				relayRun(1, true, 1.5, 3, 6, 3, 9, 13, 2500),
				relayRun(2, false, 2, 3, 5, 12, 1, 12, 0),
				relayRun(2, true, 2.2, 3.5, 5.5, 4, 10, 14, 2500),
				relayRun(3, false, 1, 2, 3, 11, 0, 11, 0),
				relayRun(3, true, 1.2, 2.5, 3.5, 3, 10, 12, 2000),
			},
			// A+B: 10 13 11 one node, 12 14 13 relay.
			one: RelayFigures{Runs: 3, ReceivedMbps: 40, LatencyP50MS: 1, LatencyP95MS: 2, LatencyP99MS: 4,
				CPUPercentA: 11, CPUPercentB: 0, CPUPercent: 11, BotsCPUPercent: 12,
				DeliveredPerSecond: 1000, MicrosPerPacket: 110, MicrosPerPacketA: 110, MicrosPerPacketB: 0},
			hop: RelayFigures{Runs: 3, ReceivedMbps: 40, LatencyP50MS: 1.5, LatencyP95MS: 3, LatencyP99MS: 5.5,
				CPUPercentA: 3, CPUPercentB: 10, CPUPercent: 13, RelayedPerSecond: 250, BotsCPUPercent: 13,
				DeliveredPerSecond: 1000, MicrosPerPacket: 130, MicrosPerPacketA: 30, MicrosPerPacketB: 100},
			// Pair differences: p50 .5 .2 .2, p95 1 .5 .5, p99 2 .5 .5,
			// A -7 -8 -8, B 9 9 10, A+B 2 1 2 (80, 40, 100 µs per
			// relayed packet at 250, 250, 200 per second), bots 1 2 1;
			// ratios: CPU per packet 12/10 14/13 13/11, p50 1.5 1.1 1.2.
			wantDelta: RelayDelta{Pairs: 3, LatencyP50MS: 0.2, LatencyP95MS: 0.5, LatencyP99MS: 0.5,
				CPUPercentA: -8, CPUPercentB: 9, CPUPercent: 2, MicrosPerRelayedPacket: 80,
				CPUPercentPerSubscriber: 0.08, BotsCPUPercent: 1, CPURatio: 13.0 / 11, LatencyP50Ratio: 1.2},
		},
		{
			name: "a failed run leaves its pair out; an even count takes the mean of the middle two",
			runs: []RelayRun{
				relayRun(1, false, 1, 2, 4, 10, 0, 12, 0),
				relayRun(1, true, 2, 3, 6, 3, 9, 13, 1000),
				{Run: 2, Relay: false, Error: "node bench-a: server exited at start"},
				relayRun(2, true, 3, 4, 8, 5, 11, 15, 1000),
			},
			one: RelayFigures{Runs: 1, ReceivedMbps: 40, LatencyP50MS: 1, LatencyP95MS: 2, LatencyP99MS: 4,
				CPUPercentA: 10, CPUPercent: 10, BotsCPUPercent: 12,
				DeliveredPerSecond: 1000, MicrosPerPacket: 100, MicrosPerPacketA: 100},
			hop: RelayFigures{Runs: 2, ReceivedMbps: 40, LatencyP50MS: 2.5, LatencyP95MS: 3.5, LatencyP99MS: 7,
				CPUPercentA: 4, CPUPercentB: 10, CPUPercent: 14, RelayedPerSecond: 100, BotsCPUPercent: 14,
				DeliveredPerSecond: 1000, MicrosPerPacket: 140, MicrosPerPacketA: 40, MicrosPerPacketB: 100},
			wantDelta: RelayDelta{Pairs: 1, LatencyP50MS: 1, LatencyP95MS: 1, LatencyP99MS: 2,
				CPUPercentA: -7, CPUPercentB: 9, CPUPercent: 2, MicrosPerRelayedPacket: 200,
				CPUPercentPerSubscriber: 0.08, BotsCPUPercent: 1, CPURatio: 1.2, LatencyP50Ratio: 2},
		},
		{
			name: "nothing delivered: no per-packet figures and no ratios, rather than infinities",
			runs: []RelayRun{
				noPackets(relayRun(1, false, 0, 0, 0, 10, 0, 12, 0)),
				noPackets(relayRun(1, true, 0, 0, 0, 3, 9, 13, 0)),
			},
			one: RelayFigures{Runs: 1, CPUPercentA: 10, CPUPercent: 10, BotsCPUPercent: 12},
			hop: RelayFigures{Runs: 1, CPUPercentA: 3, CPUPercentB: 9, CPUPercent: 12, BotsCPUPercent: 13},
			wantDelta: RelayDelta{Pairs: 1, CPUPercentA: -7, CPUPercentB: 9, CPUPercent: 2,
				CPUPercentPerSubscriber: 0.08, BotsCPUPercent: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &RelaySummary{Scenario: RelayScenario{Subscribers: 25}, Runs: tc.runs}
			s.summarize()
			if !approxEqual(s.OneNode, tc.one) {
				t.Errorf("one node:\n got %+v\nwant %+v", s.OneNode, tc.one)
			}
			if !approxEqual(s.Relay, tc.hop) {
				t.Errorf("relay:\n got %+v\nwant %+v", s.Relay, tc.hop)
			}
			if !approxEqual(s.Delta, tc.wantDelta) {
				t.Errorf("delta:\n got %+v\nwant %+v", s.Delta, tc.wantDelta)
			}
		})
	}
}

// approxEqual compares two structs of numbers, floats to 1e-9.
func approxEqual[T any](a, b T) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		if fa.Kind() == reflect.Float64 {
			if d := fa.Float() - fb.Float(); d > 1e-9 || d < -1e-9 {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
			return false
		}
	}
	return true
}

// TestRunOrder: the placements alternate one node, relay, relay, one
// node, so that neither always runs first.
func TestRunOrder(t *testing.T) {
	var got []string
	for run := 1; run <= 4; run++ {
		for _, relay := range runOrder(run) {
			got = append(got, placement(relay))
		}
	}
	want := []string{"one node", "A → B", "A → B", "one node", "one node", "A → B", "A → B", "one node"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
