package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTables writes the report as tables for people: the published
// tracks, the subscribers, and the totals.
func (r *Report) WriteTables(w io.Writer) error {
	ew := &errWriter{w: w}
	c := r.Config
	simulcast := "single layer"
	if c.Simulcast {
		simulcast = "simulcast"
	}
	if !c.RTX {
		simulcast += " without RTX"
	}
	target := c.URL
	if c.PublisherURL != "" {
		target = fmt.Sprintf("%s (publishers on %s)", c.URL, c.PublisherURL)
	}
	ew.printf("Parley load test of %s: %d room(s) × (%d video + %d audio publishers, %d subscribers), %s %s, %s layout\n",
		target, c.Rooms, c.VideoPublishers, c.AudioPublishers, c.Subscribers, c.Codec, simulcast, c.Layout)
	ew.printf("Window: %.1f s", r.Window.Seconds)
	if r.Interrupted {
		ew.printf(" (interrupted)")
	}
	ew.printf("; machine: %d CPUs, %s/%s, %s\n\n", r.Machine.CPUs, r.Machine.OS, r.Machine.Arch, r.Machine.Go)

	ew.printf("PUBLISHED TRACKS\n")
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ROOM\tBOT\tKIND\tRID\tCODEC\tPACKETS\tMBIT/S\tFRAMES\tKEYFRAMES\tJUMPS\tPLIS\tNACKS\tERRORS\t")
	for _, p := range r.Publishers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%.3f\t%d\t%d\t%d\t%d\t%d\t%d\t\n", p.Room, p.Bot, p.Kind, dash(p.RID), p.Codec,
			p.Packets, p.Mbps, p.Frames, p.Keyframes, p.KeyframeJumps, p.PLIs, p.NACKs, p.WriteErrors)
	}
	_ = tw.Flush()

	ew.printf("\nSUBSCRIBERS\n")
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ROOM\tBOT\tTRACKS\tMBIT/S\tPACKETS\tLOST\tLOSS %\tNACKS\tPLIS\tJITTER MS\tLAT P50\tP95\tP99 MS\tERRORS\t")
	for _, s := range r.Subscribers {
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%.3f\t%d\t%d\t%.2f\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t\n", s.Room, s.Bot,
			s.TracksGot, s.TracksExpected, s.Mbps, s.Packets, s.Lost, s.LossPercent, s.NACKs, s.PLIs, s.JitterMS,
			s.Latency.P50MS, s.Latency.P95MS, s.Latency.P99MS, s.Errors)
	}
	_ = tw.Flush()

	t := r.Totals
	ew.printf("\nTOTALS\n")
	tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "bots\t%d (%d connected at the end, %d failed to join", t.Bots, t.Connected, t.Failed)
	if t.NotStarted > 0 {
		fmt.Fprintf(tw, ", %d not started", t.NotStarted)
	}
	fmt.Fprintf(tw, ")\n")
	fmt.Fprintf(tw, "tracks\t%d/%d received\n", t.TracksGot, t.TracksExpected)
	fmt.Fprintf(tw, "sent\t%.2f Mbit/s, %d packets\n", t.SentMbps, t.PacketsSent)
	fmt.Fprintf(tw, "received\t%.2f Mbit/s, %d packets of %d, %d lost (%.3f%% after NACK repair)\n",
		t.ReceivedMbps, t.Packets, t.Expected, t.Lost, t.LossPercent)
	fmt.Fprintf(tw, "NACKs / PLIs sent\t%d / %d\n", t.NACKs, t.PLIs)
	fmt.Fprintf(tw, "join\tp50 %.1f ms, p99 %.1f ms (%d bots)\n", t.Join.P50MS, t.Join.P99MS, t.Join.Count)
	fmt.Fprintf(tw, "subscribe\tp50 %.1f ms, p99 %.1f ms to first media (%d tracks)\n", t.Subscribe.P50MS, t.Subscribe.P99MS, t.Subscribe.Count)
	fmt.Fprintf(tw, "latency\tp50 %.2f ms, p95 %.2f ms, p99 %.2f ms end to end (%d frames)\n",
		t.Latency.P50MS, t.Latency.P95MS, t.Latency.P99MS, t.Latency.Samples)
	s := r.Server
	if s.Source == "" {
		fmt.Fprintf(tw, "server\tunknown: %s\n", s.Note)
	} else {
		fmt.Fprintf(tw, "server\t%.2f CPU-s (%.1f%% of a core), peak RSS %s (%s before the bots, %s per subscriber) [%s]\n",
			s.CPUSeconds, s.CPUPercent, megabytes(s.PeakRSSBytes), megabytes(s.BaseRSSBytes), megabytes(uint64(s.RSSPerSubscriberBytes)), s.Source)
		fmt.Fprintf(tw, "server drops\t%d datagrams dropped at full UDP receive buffers\n", s.UDPDrops)
		if s.PacketsOutCounted == "server metrics" {
			fmt.Fprintf(tw, "server counters\t%d packets in, %d NACKed by subscribers (%d no longer cached), %d PLIs to publishers, %d packets not forwarded\n",
				s.PacketsIn, s.NACKsReceived, s.NACKsMissed, s.PLIsSent, s.PacketsDropped)
		}
		fmt.Fprintf(tw, "efficiency\t%.2f µs CPU per packet out, %.0f packets out per CPU-s, %.5f CPU-s per subscriber-Mbit (%d packets out, counted by %s)\n",
			s.MicrosPerPacket, s.PacketsPerCPUSecond, s.CPUSecondsPerMbit, s.PacketsOut, s.PacketsOutCounted)
	}
	fmt.Fprintf(tw, "bots' CPU\t%.2f CPU-s (%.1f%% of a core), %d datagrams dropped at full UDP receive buffers\n",
		r.Bots.CPUSeconds, r.Bots.CPUPercent, r.Bots.UDPDrops)
	fmt.Fprintf(tw, "errors\t%d\n", t.Errors)
	_ = tw.Flush()
	for _, e := range r.Errors {
		ew.printf("  %5d× %s\n", e.Count, e.Message)
	}
	return ew.err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func megabytes(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(e, format, args...)
}
