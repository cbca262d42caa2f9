package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RelayBenchConfig configures the relay-hop benchmark (`parley loadtest
// bench --relay`, `make bench-relay`): two child nodes of one cluster,
// the same load once with everyone on node A and once with the
// publishers on A and the subscribers on B.
type RelayBenchConfig struct {
	// ServerBinary is the parley binary the nodes run (serve --dev).
	ServerBinary string
	// NATSURL is the NATS server both nodes join.
	NATSURL string
	// Scenario is the load of every run.
	Scenario RelayScenario
	// Duration is each run's measurement window.
	Duration time.Duration
	// Ramp is how many bots join per second.
	Ramp float64
	// Runs is how many times each placement runs; the two alternate, in
	// the order one node, relay, relay, one node, ... (runOrder), so that
	// the machine's other work and any drift over the bench weigh on both
	// alike.
	Runs int
	// RTX lets the bots negotiate RTX (see BenchConfig.RTX).
	RTX bool
	// OutDir receives each run's JSON report and the nodes' logs; empty
	// writes nothing.
	OutDir string
	// Progress receives a line per run; nil for none.
	Progress io.Writer
	Logger   *slog.Logger
}

// DefaultRelayBenchConfig: the default scenario, 20 s windows, 25 joins
// per second, three runs of each placement.
func DefaultRelayBenchConfig() RelayBenchConfig {
	return RelayBenchConfig{Scenario: DefaultRelayScenario(), Duration: 20 * time.Second, Ramp: 25, Runs: 3}
}

// RelayScenario is the load of the relay-hop benchmark. Every room has
// its own relay (one per room and pair of nodes).
type RelayScenario struct {
	Name string `json:"name"`
	// Rooms is the number of rooms; the counts below are per room.
	Rooms           int    `json:"rooms"`
	VideoPublishers int    `json:"video_publishers"`
	AudioPublishers int    `json:"audio_publishers"`
	Subscribers     int    `json:"subscribers"`
	Layout          Layout `json:"layout"`
}

// DefaultRelayScenario is one simulcast publisher (video and audio) to 25
// subscribers in speaker layout, as the first `make bench` scenario.
func DefaultRelayScenario() RelayScenario {
	return RelayScenario{Name: "1 pub → 25 subs", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1, Subscribers: 25, Layout: LayoutSpeaker}
}

// NodeStats are one node's figures over a run's window: CPU time and
// memory from /proc, RTP counters from its /metrics.
type NodeStats struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"` // of one core
	RSSBytes   uint64  `json:"rss_bytes"`   // at the end of the window
	// PacketsIn are RTP packets from local publishers (the server's
	// metrics do not count relayed packets in); PacketsOut go to local
	// subscribers and to relays.
	PacketsIn  uint64 `json:"packets_in"`
	PacketsOut uint64 `json:"packets_out"`
	UDPDrops   uint64 `json:"udp_receive_drops"`
}

// RelayRun is one run of one placement.
type RelayRun struct {
	Run int `json:"run"` // 1-based
	// Relay: the publishers on A and the subscribers on B; else everyone
	// on A (B idles in the cluster).
	Relay bool `json:"relay"`
	// LoadAverage is the machine's 1-minute load average at the start.
	LoadAverage float64 `json:"load_average"`
	// WindowSeconds is the window the nodes were measured over.
	WindowSeconds float64 `json:"window_seconds"`
	// Nodes are A's and B's figures.
	Nodes [2]NodeStats `json:"nodes"`
	// RelayedPackets are the RTP packets A sent over the relay in the
	// window: A's packets out less those A's own bots received.
	RelayedPackets uint64  `json:"relayed_packets"`
	Report         *Report `json:"report,omitempty"`
	Error          string  `json:"error,omitempty"`
}

// RelaySummary is the outcome of the relay-hop benchmark.
type RelaySummary struct {
	Date            time.Time     `json:"date"`
	Machine         Machine       `json:"machine"`
	LoadBefore      float64       `json:"load_before"`
	LoadAfter       float64       `json:"load_after"`
	RTX             bool          `json:"rtx"`
	Scenario        RelayScenario `json:"scenario"`
	DurationSeconds float64       `json:"duration_seconds"`
	Runs            []RelayRun    `json:"runs"`
	// OneNode and Relay are the medians of each placement's runs; Delta
	// the medians of the differences of each pair of runs.
	OneNode RelayFigures `json:"one_node"`
	Relay   RelayFigures `json:"relay"`
	Delta   RelayDelta   `json:"delta"`
}

// RunRelayBench runs the relay-hop benchmark. A failed run is recorded
// and the next one runs.
func RunRelayBench(ctx context.Context, cfg RelayBenchConfig) (*RelaySummary, error) {
	switch {
	case cfg.ServerBinary == "":
		return nil, fmt.Errorf("%w: no server binary", ErrInvalidConfig)
	case cfg.NATSURL == "":
		return nil, fmt.Errorf("%w: no NATS URL", ErrInvalidConfig)
	case cfg.Runs < 1:
		return nil, fmt.Errorf("%w: --runs must be at least 1, got %d", ErrInvalidConfig, cfg.Runs)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OutDir != "" {
		if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
			return nil, err
		}
	}
	sum := &RelaySummary{
		Date: time.Now(), Machine: machine(), LoadBefore: loadAverage(), RTX: cfg.RTX,
		Scenario: cfg.Scenario, DurationSeconds: cfg.Duration.Seconds(),
	}
	defer func() { sum.LoadAfter = loadAverage() }()
	for run := 1; run <= cfg.Runs && ctx.Err() == nil; run++ {
		for _, relay := range runOrder(run) {
			if ctx.Err() != nil {
				break
			}
			res := runRelayOnce(ctx, &cfg, run, relay)
			if cfg.Progress != nil {
				status := "ok"
				if res.Error != "" {
					status = res.Error
				}
				fmt.Fprintf(cfg.Progress, "bench: relay run %d/%d, %s: %s (load %.1f)\n", run, cfg.Runs, placement(relay), status, res.LoadAverage)
			}
			sum.Runs = append(sum.Runs, res)
		}
	}
	sum.summarize()
	return sum, ctx.Err()
}

// runOrder is the placements of pair run (1-based) in the order they
// run: one node first in odd pairs, the relay first in even ones.
func runOrder(run int) [2]bool {
	if run%2 == 0 {
		return [2]bool{true, false}
	}
	return [2]bool{false, true}
}

// placement names where the bots were.
func placement(relay bool) string {
	if relay {
		return "A → B"
	}
	return "one node"
}

// runRelayOnce starts a two-node cluster, loads it, and stops it.
func runRelayOnce(ctx context.Context, cfg *RelayBenchConfig, run int, relay bool) RelayRun {
	res := RelayRun{Run: run, Relay: relay, LoadAverage: loadAverage()}
	base := fmt.Sprintf("relay-%d-onenode", run)
	if relay {
		base = fmt.Sprintf("relay-%d-hop", run)
	}
	// A fresh subject prefix keeps the run's nodes to themselves on a
	// NATS server others may share.
	var b [3]byte
	_, _ = rand.Read(b[:])
	prefix := "bench" + hex.EncodeToString(b[:])
	var nodes [2]*childServer
	for i, id := range []string{"bench-a", "bench-b"} {
		logw := io.Discard
		if cfg.OutDir != "" {
			if f, err := os.Create(filepath.Join(cfg.OutDir, base+"-"+id+".log")); err == nil {
				defer f.Close()
				logw = f
			}
		}
		extra := fmt.Sprintf("node_id: %s\ncascade:\n  url: %s\n  subject_prefix: %s\n", id, cfg.NATSURL, prefix)
		srv, err := startChildServer(ctx, cfg.ServerBinary, logw, extra)
		if err != nil {
			res.Error = fmt.Sprintf("node %s: %v", id, err)
			return res
		}
		defer srv.stop()
		nodes[i] = srv
	}

	lc := DefaultConfig()
	subs := nodes[0]
	if relay {
		lc.PublisherURL = nodes[0].grpcURL()
		subs = nodes[1]
	}
	lc.URL, lc.MetricsURL, lc.ServerPID = subs.grpcURL(), subs.httpURL()+"/metrics", subs.pid()
	sc := cfg.Scenario
	lc.Rooms, lc.VideoPublishers, lc.AudioPublishers, lc.Subscribers, lc.Layout = max(sc.Rooms, 1), sc.VideoPublishers, sc.AudioPublishers, sc.Subscribers, sc.Layout
	lc.Duration, lc.Ramp = cfg.Duration, cfg.Ramp
	lc.NoRTX = !cfg.RTX
	lc.Logger = cfg.Logger
	w := newNodesWindow(nodes)
	lc.WindowStarted = w.measure

	rep, err := Run(ctx, lc, nil)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Report = rep
	res.Nodes, res.WindowSeconds = w.stats()
	if err := w.err(); err != nil {
		res.Error = err.Error()
	}
	if relay {
		res.RelayedPackets = relayedPackets(res.Nodes[0].PacketsOut, rep)
	}
	if cfg.OutDir != "" {
		if f, err := os.Create(filepath.Join(cfg.OutDir, base+".json")); err == nil {
			_ = rep.WriteJSON(f)
			_ = f.Close()
		}
	}
	return res
}

// relayedPackets is what node A sent over the relay: its packets out
// less those its own bots, the publishers, received from it.
func relayedPackets(aOut uint64, rep *Report) uint64 {
	var local uint64
	for _, s := range rep.Subscribers {
		if strings.HasPrefix(s.Bot, "pub-") {
			local += s.Packets
		}
	}
	if local > aOut {
		return 0
	}
	return aOut - local
}

// nodesWindow samples both nodes as the load test's window starts and
// ends.
type nodesWindow struct {
	monitors   [2]*serverMonitor
	start, end [2]serverSample
	errs       []error
}

func newNodesWindow(nodes [2]*childServer) *nodesWindow {
	w := &nodesWindow{}
	for i, n := range nodes {
		w.monitors[i] = &serverMonitor{pid: n.pid(), url: n.httpURL() + "/metrics", http: &http.Client{Timeout: 2 * time.Second}}
	}
	return w
}

// measure is the load test's WindowStarted hook: it samples the nodes
// now and when ctx ends with the window. Run waits for it before
// returning, so the samples are read after Run without a lock.
func (w *nodesWindow) measure(ctx context.Context, _ time.Duration) {
	for i, m := range w.monitors {
		var err error
		if w.start[i], err = m.sample(ctx); err != nil {
			w.errs = append(w.errs, fmt.Errorf("node %c at the window's start: %w", 'A'+i, err))
		}
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i, m := range w.monitors {
		var err error
		if w.end[i], err = m.sample(sctx); err != nil {
			w.errs = append(w.errs, fmt.Errorf("node %c at the window's end: %w", 'A'+i, err))
		}
	}
}

func (w *nodesWindow) err() error { return errors.Join(w.errs...) }

// stats are both nodes' figures over the window, and the window's
// length as measured at node A.
func (w *nodesWindow) stats() (out [2]NodeStats, seconds float64) {
	if w.start[0].At.IsZero() || w.end[0].At.IsZero() {
		return out, 0 // the window never started
	}
	seconds = w.end[0].At.Sub(w.start[0].At).Seconds()
	for i := range out {
		s0, s1 := w.start[i], w.end[i]
		st := &out[i]
		if s0.HaveCPU && s1.HaveCPU {
			st.CPUSeconds = (s1.CPU - s0.CPU).Seconds()
			if secs := s1.At.Sub(s0.At).Seconds(); secs > 0 {
				st.CPUPercent = st.CPUSeconds / secs * 100
			}
			st.RSSBytes = s1.RSS
			st.UDPDrops = s1.UDPDrops - s0.UDPDrops
		}
		if s0.HaveCounters && s1.HaveCounters {
			st.PacketsIn = uint64(s1.PacketsIn - s0.PacketsIn)
			st.PacketsOut = uint64(s1.PacketsOut - s0.PacketsOut)
		}
	}
	return out, seconds
}

// WriteJSON writes the summary, every run's report included.
func (s *RelaySummary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}
