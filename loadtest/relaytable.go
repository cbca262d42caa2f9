package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable prints the relay-hop benchmark: a row per run, the medians
// of each placement, and what the hop added.
func (s *RelaySummary) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	m, sc := s.Machine, s.Scenario
	ew.printf("Parley relay hop, %s, %d CPUs %s/%s, %s; load average %.1f before, %.1f after\n",
		s.Date.UTC().Format("2006-01-02 15:04 MST"), m.CPUs, m.OS, m.Arch, m.Go, s.LoadBefore, s.LoadAfter)
	rtx := "without RTX"
	if s.RTX {
		rtx = "with RTX"
	}
	ew.printf("%s (%d room(s) × (%d video + %d audio publishers, %d subscribers), %s layout), %.0f s windows, bots %s.\n",
		sc.Name, max(sc.Rooms, 1), sc.VideoPublishers, sc.AudioPublishers, sc.Subscribers, sc.Layout, s.DurationSeconds, rtx)
	ew.printf("Nodes A and B: child `serve --dev` processes of one cluster on loopback; NATS and the bots in this process, on the same cores.\n")
	ew.printf("one node: everyone on A (B idles in the cluster); A → B: publishers on A, subscribers on B; the placements alternate.\n\n")

	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RUN\tPLACEMENT\tLOAD\tTRACKS\tSUB MBIT/S\tLOSS %\tLAT P50 MS\tP95 MS\tP99 MS\tCPU A %\tCPU B %\tA+B %\tDELIVERED PKT/S\tµS/PKT A+B\tA\tB\tRELAYED PKT/S\tBOTS CPU %\tUDP DROPS A/B\t")
	for i := range s.Runs {
		r := &s.Runs[i]
		if r.Report == nil {
			fmt.Fprintf(tw, "%d\t%s\t%.1f\tfailed\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t\n", r.Run, placement(r.Relay), r.LoadAverage)
			continue
		}
		f, t := r.figures(), r.Report.Totals
		fmt.Fprintf(tw, "%d\t%s\t%.1f\t%d/%d\t%s\t%d/%d\t\n", r.Run, placement(r.Relay), r.LoadAverage,
			t.TracksGot, t.TracksExpected, figureCells(&f), r.Nodes[0].UDPDrops, r.Nodes[1].UDPDrops)
	}
	for _, med := range []struct {
		relay bool
		f     *RelayFigures
	}{{false, &s.OneNode}, {true, &s.Relay}} {
		if med.f.Runs > 0 {
			fmt.Fprintf(tw, "median of %d\t%s\t\t\t%s\t\t\n", med.f.Runs, placement(med.relay), figureCells(med.f))
		}
	}
	_ = tw.Flush()
	for _, r := range s.Runs {
		if r.Error != "" {
			ew.printf("run %d, %s: %s\n", r.Run, placement(r.Relay), r.Error)
		}
	}

	d := s.Delta
	if d.Pairs == 0 {
		ew.printf("\nNo pair of runs succeeded: the hop's cost is unknown.\n")
		return ew.err
	}
	ew.printf("\nWHAT THE HOP ADDS (A → B minus one node; median over %d pairs of runs)\n", d.Pairs)
	ew.printf("  latency      p50 %+.2f ms (×%.2f), p95 %+.2f ms, p99 %+.2f ms\n", d.LatencyP50MS, d.LatencyP50Ratio, d.LatencyP95MS, d.LatencyP99MS)
	ew.printf("  server CPU   %+.1f%% of a core (A %+.1f, B %+.1f): %.1f µs per relayed packet, %+.2f%% of a core per subscriber\n",
		d.CPUPercent, d.CPUPercentA, d.CPUPercentB, d.MicrosPerRelayedPacket, d.CPUPercentPerSubscriber)
	ew.printf("  CPU/packet   one node %.2f µs, A → B %.2f µs (A %.2f + B %.2f) per delivered packet: ×%.2f\n",
		s.OneNode.MicrosPerPacket, s.Relay.MicrosPerPacket, s.Relay.MicrosPerPacketA, s.Relay.MicrosPerPacketB, d.CPURatio)
	ew.printf("  bots' CPU    %+.1f%% of a core\n", d.BotsCPUPercent)
	ew.printf("(CPU %% is of one core over the window, from /proc of each node; delivered packets: RTP packets the bots received;\n")
	ew.printf(" relayed packets: RTP packets A sent over the relay, from A's metrics less what A's own bots received; latency: the\n")
	ew.printf(" publisher bot's send to the subscriber bot's receipt of a frame's last packet, all tracks, one clock (same process);\n")
	ew.printf(" ratios are medians of the pairs' ratios; the bots' CPU includes the in-process NATS server)\n")
	return ew.err
}

// figureCells are the tab-separated cells of a figures row from SUB
// MBIT/S to BOTS CPU %.
func figureCells(f *RelayFigures) string {
	return fmt.Sprintf("%.1f\t%.3f\t%.2f\t%.2f\t%.2f\t%.1f\t%.1f\t%.1f\t%.0f\t%.2f\t%.2f\t%.2f\t%.0f\t%.1f",
		f.ReceivedMbps, f.LossPercent, f.LatencyP50MS, f.LatencyP95MS, f.LatencyP99MS,
		f.CPUPercentA, f.CPUPercentB, f.CPUPercent, f.DeliveredPerSecond, f.MicrosPerPacket, f.MicrosPerPacketA, f.MicrosPerPacketB,
		f.RelayedPerSecond, f.BotsCPUPercent)
}
