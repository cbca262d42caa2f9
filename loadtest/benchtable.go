package loadtest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Targets of the 1 publisher → 100 subscribers scenario.
const (
	targetMicrosPerPacket  = 4.0
	targetRSSPerSubscriber = 1 << 20
)

// WriteTable prints the benchmark summary: the micro-benchmarks with their
// ratio to the floor, one row per load scenario, and the targets.
func (s *BenchSummary) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	m := s.Machine
	ew.printf("Parley benchmark, %s, %d CPUs %s/%s, %s; load average %.1f before, %.1f after\n\n",
		s.Date.UTC().Format("2006-01-02 15:04 MST"), m.CPUs, m.OS, m.Arch, m.Go, s.LoadBefore, s.LoadAfter)

	if len(s.Micro) > 0 {
		floor := 0.0
		for _, b := range s.Micro {
			if b.IsFloor() {
				floor = b.PerPacketNs()
			}
		}
		ew.printf("SFU MICRO-BENCHMARKS (ns per forwarded packet per subscriber; floor = SRTP encrypt + one UDP send)\n")
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "BENCHMARK\tNS/PKT\tNS/OP\tALLOCS/OP\tB/OP\t× FLOOR\t")
		for _, b := range s.Micro {
			ratio := "-"
			if floor > 0 {
				ratio = fmt.Sprintf("%.2f", b.PerPacketNs()/floor)
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t\n", b.Name, b.PerPacketNs(), b.NsPerOp, b.AllocsOp, b.BytesOp, ratio)
		}
		_ = tw.Flush()
		if floor == 0 {
			ew.printf("(no floor benchmark in the sfu package: ratios unknown)\n")
		}
		ew.printf("\n")
	}

	rtx := "without RTX"
	if s.RTX {
		rtx = "with RTX"
	}
	ew.printf("LOAD SCENARIOS (child server on loopback; bots %s, in this process, on the same cores)\n", rtx)
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "SCENARIO\tBOTS\tTRACKS\tSUB MBIT/S\tSRV CPU %\tµS/PKT OUT\tPKTS/CPU-S\tCPU-S/SUB-MBIT\tLOSS %\tLAT P50 MS\tP99 MS\tRSS MB\tRSS/SUB MB\tBOTS CPU %\tUDP DROPS SRV/BOTS\t")
	for _, r := range s.Results {
		if r.Report == nil {
			fmt.Fprintf(tw, "%s\tfailed%s\n", r.Scenario.Name, strings.Repeat("\t-", 13)+"\t")
			continue
		}
		t, sv := r.Report.Totals, r.Report.Server
		fmt.Fprintf(tw, "%s\t%d\t%d/%d\t%.1f\t%.1f\t%.2f\t%.0f\t%.5f\t%.3f\t%.1f\t%.1f\t%.1f\t%.2f\t%.1f\t%d/%d\t\n",
			r.Scenario.Name, t.Bots, t.TracksGot, t.TracksExpected, t.ReceivedMbps, sv.CPUPercent, sv.MicrosPerPacket,
			sv.PacketsPerCPUSecond, sv.CPUSecondsPerMbit, t.LossPercent, t.Latency.P50MS, t.Latency.P99MS,
			float64(sv.PeakRSSBytes)/1e6, sv.RSSPerSubscriberBytes/1e6, r.Report.Bots.CPUPercent, sv.UDPDrops, r.Report.Bots.UDPDrops)
	}
	_ = tw.Flush()
	for _, r := range s.Results {
		if r.Error != "" {
			ew.printf("%s failed: %s\n", r.Scenario.Name, r.Error)
		}
	}
	ew.printf("(CPU %% is of one core over the window; µs/pkt and pkts/CPU-s relate server CPU time to RTP packets sent to subscribers;\n")
	ew.printf(" RSS/SUB is the growth of the server's resident set from before the bots joined to its peak, per receiving participant)\n")

	for _, r := range s.Results {
		if r.Report == nil || !r.Scenario.Profile {
			continue
		}
		sv, t := r.Report.Server, r.Report.Totals
		ew.printf("\nTargets, %s: ≤%.0f µs server CPU per outgoing packet: %.2f (%s); ≤1 MB per subscriber: %.2f MB (%s); no loss: %.3f%% (%s)\n",
			r.Scenario.Name, targetMicrosPerPacket, sv.MicrosPerPacket, verdict(sv.MicrosPerPacket > 0 && sv.MicrosPerPacket <= targetMicrosPerPacket),
			sv.RSSPerSubscriberBytes/1e6, verdict(sv.RSSPerSubscriberBytes <= targetRSSPerSubscriber),
			t.LossPercent, verdict(t.Lost == 0))
		if r.Profile != "" {
			ew.printf("CPU profiles of that window: server %s, bots %s\n", r.Profile, r.BotsProfile)
		}
	}
	return ew.err
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
