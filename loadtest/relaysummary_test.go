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
			Totals: Totals{ReceivedMbps: 40, Latency: Latency{P50MS: p50, P95MS: p95, P99MS: p99}},
			Bots:   BotStats{CPUPercent: bots},
		},
	}
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
			one: RelayFigures{Runs: 3, ReceivedMbps: 40, LatencyP50MS: 1, LatencyP95MS: 2, LatencyP99MS: 4,
				CPUPercentA: 11, CPUPercentB: 0, CPUPercent: 11, BotsCPUPercent: 12},
			hop: RelayFigures{Runs: 3, ReceivedMbps: 40, LatencyP50MS: 1.5, LatencyP95MS: 3, LatencyP99MS: 5.5,
				CPUPercentA: 3, CPUPercentB: 10, CPUPercent: 13, RelayedPerSecond: 250, BotsCPUPercent: 13},
			// Pair differences: p50 .5 .2 .2, p95 1 .5 .5, p99 2 .5 .5,
			// A -7 -8 -8, B 9 9 10, A+B 2 1 2 (80, 40, 100 µs per
			// relayed packet at 250, 250, 200 per second), bots 1 2 1.
			wantDelta: RelayDelta{Pairs: 3, LatencyP50MS: 0.2, LatencyP95MS: 0.5, LatencyP99MS: 0.5,
				CPUPercentA: -8, CPUPercentB: 9, CPUPercent: 2, MicrosPerRelayedPacket: 80,
				CPUPercentPerSubscriber: 0.08, BotsCPUPercent: 1},
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
				CPUPercentA: 10, CPUPercent: 10, BotsCPUPercent: 12},
			hop: RelayFigures{Runs: 2, ReceivedMbps: 40, LatencyP50MS: 2.5, LatencyP95MS: 3.5, LatencyP99MS: 7,
				CPUPercentA: 4, CPUPercentB: 10, CPUPercent: 14, RelayedPerSecond: 100, BotsCPUPercent: 14},
			wantDelta: RelayDelta{Pairs: 1, LatencyP50MS: 1, LatencyP95MS: 1, LatencyP99MS: 2,
				CPUPercentA: -7, CPUPercentB: 9, CPUPercent: 2, MicrosPerRelayedPacket: 200,
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
