package loadtest

import (
	"bytes"
	"testing"
	"time"
)

// TestRelayWriteTable: a row per run (a failed one marked, its error
// listed), the medians of each placement and what the hop adds.
func TestRelayWriteTable(t *testing.T) {
	sum := &RelaySummary{
		Date:    time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC),
		Machine: Machine{CPUs: 2, OS: "linux", Arch: "amd64", Go: "go1.26.0"}, LoadBefore: 0.5, LoadAfter: 1.25,
		Scenario:        DefaultRelayScenario(),
		DurationSeconds: 20,
		Runs: []RelayRun{
			relayRun(1, false, 1, 2, 4, 10, 0, 12, 0),
			relayRun(1, true, 1.5, 3, 6, 3, 9, 13, 2500),
			relayRun(2, true, 2.2, 3.5, 5.5, 4, 10, 14, 2500),
			{Run: 2, Relay: false, LoadAverage: 3.5, Error: "node bench-a: server exited at start: exit status 1"},
		},
	}
	sum.Runs[0].Nodes[1].UDPDrops = 7
	sum.summarize()
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "relay.txt", b.Bytes())
}

// TestRelayWriteTableNoPair: without a pair of successful runs the cost
// is unknown, and the table says so.
func TestRelayWriteTableNoPair(t *testing.T) {
	sum := &RelaySummary{Scenario: DefaultRelayScenario(), Runs: []RelayRun{
		relayRun(1, false, 1, 2, 4, 10, 0, 12, 0),
		{Run: 1, Relay: true, Error: "node bench-b: server not healthy after 15 s"},
	}}
	sum.summarize()
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"median of 1", "run 1, A → B: node bench-b: server not healthy", "No pair of runs succeeded"} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if bytes.Contains(b.Bytes(), []byte("WHAT THE HOP ADDS")) {
		t.Errorf("table reports a hop's cost with no pair:\n%s", b.String())
	}
}
