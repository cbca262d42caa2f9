package loadtest

import (
	"bytes"
	"testing"
	"time"
)

func TestBenchWriteTable(t *testing.T) {
	rep := fixedReport()
	sum := &BenchSummary{
		Date: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Machine: rep.Machine, LoadBefore: 0.5, LoadAfter: 2.25,
		Micro: []MicroBench{
			{Name: "Forward/subscribers=100-2", Iterations: 1000, NsPerOp: 300000, Metrics: map[string]float64{"ns/pkt": 3000}},
			{Name: "FloorSRTPUDP-2", Iterations: 100000, NsPerOp: 2000, AllocsOp: 1, BytesOp: 64},
		},
		Results: []BenchResult{
			{Scenario: BenchScenarios()[2], Report: rep, Profile: "bin/bench/server-cpu.pprof", BotsProfile: "bin/bench/bots-cpu.pprof"},
			{Scenario: BenchScenarios()[3], Error: "server exited at start: exit status 1"},
		},
	}
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "bench.txt", b.Bytes())
}
