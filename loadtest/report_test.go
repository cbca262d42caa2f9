package loadtest

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedReport is a small report with every kind of row, for the writers.
func fixedReport() *Report {
	start := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	rep := &Report{
		Config: ReportConfig{URL: "grpc://127.0.0.1:7890", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1,
			Subscribers: 2, DurationSeconds: 10, Ramp: 10, Simulcast: true, Codec: "vp8", Layout: "speaker"},
		Machine: Machine{CPUs: 2, OS: "linux", Arch: "amd64", Go: "go1.26.8"},
		Started: start,
		Window:  Window{Start: start.Add(2 * time.Second), End: start.Add(12 * time.Second), Seconds: 10},
		Publishers: []PublisherRow{
			{Room: "lt-0", Bot: "pub-0", Kind: "video", RID: "f", Codec: "vp8", Packets: 1900, Bytes: 2125000, Mbps: 1.7,
				Frames: 300, Keyframes: 6, KeyframeJumps: 1, PLIs: 2, NACKs: 3},
			{Room: "lt-0", Bot: "pub-0", Kind: "audio", Codec: "opus", Packets: 500, Bytes: 40000, Mbps: 0.032, Frames: 500},
		},
		Subscribers: []SubscriberRow{
			{Room: "lt-0", Bot: "sub-0", TracksGot: 2, TracksExpected: 2, Mbps: 1.73, Packets: 2400, Expected: 2400,
				NACKs: 3, JitterMS: 1.25, Latency: Latency{Samples: 350, P50MS: 1.2, P95MS: 3.4, P99MS: 6.8},
				Tracks: []TrackRow{{Track: "TR_a", Kind: "video", Publisher: "pub-0", Codec: "vp8", Width: 1280, Height: 720,
					Packets: 1900, Expected: 1900, Mbps: 1.7, JitterMS: 1.25, SubscribeMS: 180}}},
			{Room: "lt-0", Bot: "sub-1", TracksGot: 1, TracksExpected: 2, Mbps: 0.032, Packets: 495, Expected: 500, Lost: 5,
				LossPercent: 1, JitterMS: 0.5, Latency: Latency{Samples: 100, P50MS: 0.8, P95MS: 1.5, P99MS: 2}, Errors: 1},
		},
		Totals: Totals{Bots: 3, Connected: 3, TracksGot: 3, TracksExpected: 4, SentMbps: 1.732, ReceivedMbps: 1.762,
			PacketsSent: 2400, Packets: 2895, Expected: 2900, Lost: 5, LossPercent: 0.172, NACKs: 3,
			Join: Timing{Count: 3, P50MS: 12.5, P99MS: 40}, Subscribe: Timing{Count: 3, P50MS: 180, P99MS: 420},
			Latency: Latency{Samples: 450, P50MS: 1.1, P95MS: 3.2, P99MS: 6.5}, Errors: 1},
		Server: ServerStats{Source: "/proc/4242", CPUSeconds: 0.5, CPUPercent: 5, PeakRSSBytes: 60e6, BaseRSSBytes: 40e6,
			PacketsOut: 2895, BytesOut: 2200000, PacketsOutCounted: "server metrics", PacketsIn: 2400,
			NACKsReceived: 9, NACKsMissed: 1, PLIsSent: 4, PacketsDropped: 30,
			CPUSecondsPerMbit: 0.0284, PacketsPerCPUSecond: 5790, MicrosPerPacket: 172.7, RSSPerSubscriberBytes: 10e6, UDPDrops: 12},
		Bots:   BotStats{CPUSeconds: 0.8, CPUPercent: 8, UDPDrops: 3},
		Errors: []ErrorCount{{Message: "subscription refused: parley: NOT_FOUND", Count: 1}},
	}
	for i := range 12 {
		phase := phaseWindow
		if i < 2 {
			phase = phaseRamp
		}
		rep.Timeline = append(rep.Timeline, Sample{
			T: float64(i + 1), Phase: phase, Connected: 3, TracksGot: 3,
			SentMbps: 1.7, ReceivedMbps: 1.7 + float64(i%3)/10, LossPercent: float64(i%4) / 4,
			LatencyP50MS: 1 + float64(i%2)/5, LatencyP99MS: 6 + float64(i%5), ServerCPUPercent: 5,
		})
	}
	return rep
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func TestWriteTables(t *testing.T) {
	var b bytes.Buffer
	if err := fixedReport().WriteTables(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", b.Bytes())

	if err := fixedReport().WriteTables(failingWriter{}); err == nil {
		t.Error("a write error was not returned")
	}
	rep := fixedReport()
	rep.Server = ServerStats{Note: "server metrics: connection refused"}
	b.Reset()
	if err := rep.WriteTables(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "server             unknown: server metrics: connection refused") {
		t.Errorf("unknown server figures not explained:\n%s", b.String())
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := fixedReport().WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", b.Bytes())
	checkJSON(t, fixedReport())
}

func TestWriteSVG(t *testing.T) {
	var b bytes.Buffer
	if err := fixedReport().WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "chart.svg", b.Bytes())

	// Well-formed XML with the three panels and a line per series.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	counts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
		}
	}
	if counts["svg"] != 1 || counts["g"] != 3 || counts["polyline"] != 5 {
		t.Errorf("chart elements %v: want one svg, 3 panels, 5 lines", counts)
	}

	// An empty timeline still draws the axes.
	rep := fixedReport()
	rep.Timeline = nil
	b.Reset()
	if err := rep.WriteSVG(&b); err != nil || !strings.Contains(b.String(), "</svg>") {
		t.Errorf("empty chart: %v\n%s", err, b.String())
	}
}

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {173, 200}} {
		if got := niceCeil(tc.in); got != tc.want {
			t.Errorf("niceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
