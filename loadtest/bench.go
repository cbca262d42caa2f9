package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// BenchConfig configures the fixed scenarios of `make bench`.
type BenchConfig struct {
	// ServerBinary is the parley binary; each scenario runs `serve --dev`
	// of it as a child process on free loopback ports.
	ServerBinary string
	// Duration is each scenario's measurement window.
	Duration time.Duration
	// Ramp is how many bots join per second.
	Ramp float64
	// SFUBench is the output of `go test -bench . -benchmem ./sfu/` to
	// summarize; empty skips it.
	SFUBench string
	// OutDir receives each scenario's JSON report and the server's CPU
	// profile of the profiled scenario; empty writes nothing.
	OutDir string
	// RTX lets the bots negotiate RTX as browsers do (the default). The
	// sfu restores RTX from publishers (pion's TrackRemote) and its own
	// NACK generator stops asking once a packet is repaired or after a
	// few tries, so lost upstream packets cost a bounded number of NACKs:
	// with 2% of the publisher's packets dropped (--send-loss 0.02) and
	// 100 subscribers, the video arrived whole after repair and the
	// subscribers sent about one NACK a second each.
	RTX bool
	// Progress receives a line per scenario; nil for none.
	Progress io.Writer
	Logger   *slog.Logger
}

// DefaultBenchConfig: 20 s windows, 25 joins per second, RTX.
func DefaultBenchConfig() BenchConfig {
	return BenchConfig{Duration: 20 * time.Second, Ramp: 25, RTX: true}
}

// BenchScenario is one fixed load.
type BenchScenario struct {
	Name                             string
	Rooms                            int
	VideoPublishers, AudioPublishers int
	Subscribers                      int
	Layout                           Layout
	// Profile takes the server's CPU profile during the window.
	Profile bool
}

// BenchScenarios are the scenarios of `make bench`: one simulcast
// publisher (video and audio) to 25, 50 and 100 subscribers in speaker
// layout, then ten rooms of four participants all publishing in a 3x3
// grid.
func BenchScenarios() []BenchScenario {
	return []BenchScenario{
		{Name: "1 pub → 25 subs", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1, Subscribers: 25, Layout: LayoutSpeaker},
		{Name: "1 pub → 50 subs", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1, Subscribers: 50, Layout: LayoutSpeaker},
		{Name: "1 pub → 100 subs", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1, Subscribers: 100, Layout: LayoutSpeaker, Profile: true},
		{Name: "10 rooms × 4 pubs", Rooms: 10, VideoPublishers: 4, AudioPublishers: 4, Layout: LayoutGrid3},
	}
}

// BenchResult is one scenario's outcome.
type BenchResult struct {
	Scenario BenchScenario `json:"scenario"`
	Report   *Report       `json:"report,omitempty"`
	Error    string        `json:"error,omitempty"`
	// Profile and BotsProfile are the files of the server's and the
	// bots' CPU profiles, if taken.
	Profile     string `json:"profile,omitempty"`
	BotsProfile string `json:"bots_profile,omitempty"`
}

// BenchSummary is what `make bench` prints.
type BenchSummary struct {
	Date    time.Time `json:"date"`
	Machine Machine   `json:"machine"`
	// LoadBefore and LoadAfter are the machine's 1-minute load averages
	// around the run: other work on the machine skews every figure.
	LoadBefore float64       `json:"load_before"`
	LoadAfter  float64       `json:"load_after"`
	RTX        bool          `json:"rtx"`
	Micro      []MicroBench  `json:"micro"`
	Results    []BenchResult `json:"results"`
}

// RunBench runs the micro-benchmark summary and every scenario against a
// fresh child server. A failed scenario is recorded and the next one runs.
func RunBench(ctx context.Context, cfg BenchConfig, scenarios []BenchScenario) (*BenchSummary, error) {
	if cfg.ServerBinary == "" {
		return nil, fmt.Errorf("%w: no server binary", ErrInvalidConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sum := &BenchSummary{Date: time.Now(), Machine: machine(), LoadBefore: loadAverage(), RTX: cfg.RTX}
	defer func() { sum.LoadAfter = loadAverage() }()
	if cfg.SFUBench != "" {
		f, err := os.Open(cfg.SFUBench)
		if err != nil {
			return nil, err
		}
		sum.Micro, err = parseGoBench(f)
		_ = f.Close()
		if err != nil {
			return nil, err
		}
	}
	if cfg.OutDir != "" {
		if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
			return nil, err
		}
	}
	for i, sc := range scenarios {
		if ctx.Err() != nil {
			break
		}
		res := runScenario(ctx, &cfg, sc, i)
		if cfg.Progress != nil {
			status := "ok"
			if res.Error != "" {
				status = res.Error
			}
			fmt.Fprintf(cfg.Progress, "bench: %s: %s\n", sc.Name, status)
		}
		sum.Results = append(sum.Results, res)
	}
	return sum, ctx.Err()
}

// runScenario starts a server, loads it, and stops it.
func runScenario(ctx context.Context, cfg *BenchConfig, sc BenchScenario, index int) BenchResult {
	res := BenchResult{Scenario: sc}
	logw := io.Discard
	if cfg.OutDir != "" {
		if f, err := os.Create(filepath.Join(cfg.OutDir, fmt.Sprintf("server-%d.log", index))); err == nil {
			defer f.Close()
			logw = f
		}
	}
	srv, err := startChildServer(ctx, cfg.ServerBinary, logw, "")
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer srv.stop()

	lc := DefaultConfig()
	lc.URL = srv.grpcURL()
	lc.MetricsURL = srv.httpURL() + "/metrics"
	lc.ServerPID = srv.pid()
	lc.Rooms, lc.VideoPublishers, lc.AudioPublishers, lc.Subscribers = sc.Rooms, sc.VideoPublishers, sc.AudioPublishers, sc.Subscribers
	lc.Layout = sc.Layout
	lc.Duration, lc.Ramp = cfg.Duration, cfg.Ramp
	lc.NoRTX = !cfg.RTX
	lc.Logger = cfg.Logger
	if sc.Profile && cfg.OutDir != "" {
		res.Profile = filepath.Join(cfg.OutDir, "server-cpu.pprof")
		res.BotsProfile = filepath.Join(cfg.OutDir, "bots-cpu.pprof")
		lc.WindowStarted = func(ctx context.Context, window time.Duration) {
			stop, err := profileSelf(res.BotsProfile)
			if err != nil {
				cfg.Logger.Warn("bots' profile", "err", err)
			}
			if err := profileServer(ctx, srv.httpURL(), window-2*time.Second, res.Profile); err != nil {
				cfg.Logger.Warn("server profile", "err", err)
			}
			stop()
		}
	}
	rep, err := Run(ctx, lc, nil)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Report = rep
	if cfg.OutDir != "" {
		name := filepath.Join(cfg.OutDir, fmt.Sprintf("scenario-%d.json", index))
		if f, err := os.Create(name); err == nil {
			_ = rep.WriteJSON(f)
			_ = f.Close()
		}
	}
	if res.Profile != "" {
		if _, err := os.Stat(res.Profile); err != nil {
			res.Profile = ""
		}
	}
	return res
}

// profileServer saves the server's CPU profile over d (net/http/pprof).
func profileServer(ctx context.Context, base string, d time.Duration, file string) error {
	secs := max(int(d.Seconds()), 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("pprof: " + resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// WriteJSON writes the summary, every scenario's report included.
func (s *BenchSummary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// profileSelf starts a CPU profile of this process (the bots) into file;
// stop ends it.
func profileSelf(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return func() {}, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return func() {}, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// loadAverage is the 1-minute load average (/proc/loadavg), 0 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
