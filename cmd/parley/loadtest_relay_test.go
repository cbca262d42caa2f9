package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/loadtest"
)

// TestRelayBench: the relay-hop benchmark starts two child nodes of one
// cluster per run, puts everyone on A, then the publisher on A and the
// subscribers on B, and reports both nodes, the relayed packets and what
// the hop added.
func TestRelayBench(t *testing.T) {
	t.Setenv(asParley, "1")
	dir := t.TempDir()
	cfg := loadtest.DefaultRelayBenchConfig()
	cfg.ServerBinary = os.Args[0]
	cfg.NATSURL = testutil.StartNATS(t).URL()
	cfg.Scenario = loadtest.RelayScenario{Name: "1 pub → 2 subs", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1, Subscribers: 2, Layout: loadtest.LayoutSpeaker}
	cfg.Duration = 3 * time.Second
	cfg.Ramp = 50
	cfg.Runs = 1
	cfg.OutDir = dir
	sum, err := loadtest.RunRelayBench(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Runs) != 2 || sum.Runs[0].Relay || !sum.Runs[1].Relay {
		t.Fatalf("runs %+v: want one node, then relay", sum.Runs)
	}
	for _, r := range sum.Runs {
		if r.Error != "" || r.Report == nil || r.Report.Totals.TracksGot != 4 || r.Report.Totals.Latency.P50MS <= 0 {
			t.Fatalf("run %d relay=%v: error %q, report %+v", r.Run, r.Relay, r.Error, r.Report)
		}
		if r.Nodes[0].CPUSeconds <= 0 || r.Nodes[0].PacketsIn == 0 || r.Report.Bots.CPUSeconds <= 0 {
			t.Errorf("run relay=%v: node A %+v, bots %+v: want CPU time and packets in", r.Relay, r.Nodes[0], r.Report.Bots)
		}
	}
	one, hop := sum.Runs[0], sum.Runs[1]
	// On one node nothing crosses to B; with the hop, B sends what its
	// subscribers receive and A only what the relay carries (each
	// relayed packet reaches two subscribers).
	if one.RelayedPackets != 0 || one.Nodes[1].PacketsOut != 0 {
		t.Errorf("one node: relayed %d, B sent %d packets", one.RelayedPackets, one.Nodes[1].PacketsOut)
	}
	if received := hop.Report.Totals.Packets; hop.RelayedPackets == 0 || hop.Nodes[1].PacketsOut < received*9/10 ||
		hop.RelayedPackets > received*6/10 || hop.RelayedPackets < received*4/10 {
		t.Errorf("relay: A relayed %d packets, B sent %d, the subscribers received %d", hop.RelayedPackets, hop.Nodes[1].PacketsOut, received)
	}
	if sum.Delta.Pairs != 1 || sum.OneNode.Runs != 1 || sum.Relay.Runs != 1 || sum.Relay.RelayedPerSecond <= 0 || sum.Delta.MicrosPerRelayedPacket == 0 {
		t.Errorf("summary: one node %+v, relay %+v, delta %+v", sum.OneNode, sum.Relay, sum.Delta)
	}
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 pub → 2 subs", "one node", "A → B", "median of 1", "WHAT THE HOP ADDS", "µs per relayed packet"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	for _, f := range []string{"relay-1-onenode.json", "relay-1-hop.json", "relay-1-hop-bench-b.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestRelayBenchBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--subscribers", "0"}, "at least one publisher and one subscriber"},
		{[]string{"--video-publishers", "0", "--audio-publishers", "0"}, "at least one publisher"},
		{[]string{"--layout", "7x7"}, "layout"},
		{[]string{"--rooms", "0"}, "--rooms"},
		{[]string{"--runs", "0"}, "--runs"},
		{[]string{"--sfu-bench", "sfu.txt"}, "does not apply"},
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"loadtest", "bench", "--relay", "--out", ""}, tc.args...)
		if code := run(t.Context(), args, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want an error about %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}
