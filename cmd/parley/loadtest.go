package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/parley-sfu/parley/loadtest"
)

// loadtestFlags are the flags of `parley loadtest`.
type loadtestFlags struct {
	creds        credentials
	tokenSecret  string
	cfg          loadtest.Config
	codec        string
	layout       string
	noSimulcast  bool
	output, plot string
}

func (f *loadtestFlags) register(fs *flag.FlagSet) {
	f.cfg = loadtest.DefaultConfig()
	c := &f.cfg
	f.creds.register(fs)
	fs.StringVar(&f.tokenSecret, "token-secret", "", "the secret tokens are signed with: same as --api-secret")
	fs.StringVar(&c.URL, "url", c.URL, "server: grpc://host:7890, or ws://host:7880/signal for WebSocket signaling")
	fs.StringVar(&c.PublisherURL, "publisher-url", "", "server the publishers join (another node of the cluster; same credentials); default --url, which the subscribers join")
	fs.StringVar(&c.MetricsURL, "metrics-url", "", "Prometheus endpoint of the --url server (default: the URL's host, HTTP port 7880, /metrics)")
	fs.IntVar(&c.Rooms, "rooms", c.Rooms, "number of rooms; the counts below are per room")
	fs.IntVar(&c.VideoPublishers, "video-publishers", 0, "participants publishing video (they watch each other too)")
	fs.IntVar(&c.AudioPublishers, "audio-publishers", 0, "participants publishing audio (the first ones also publish video)")
	fs.IntVar(&c.Subscribers, "subscribers", 0, "receive-only participants")
	fs.DurationVar(&c.Duration, "duration", c.Duration, "measurement window, after every bot joined")
	fs.Float64Var(&c.Ramp, "ramp", c.Ramp, "bots joining per second")
	fs.BoolVar(&c.Simulcast, "simulcast", c.Simulcast, "publish video in three simulcast layers")
	fs.BoolVar(&f.noSimulcast, "no-simulcast", false, "publish one 1280x720 layer (same as --simulcast=false)")
	fs.BoolVar(&c.NoRTX, "no-rtx", false, "negotiate no RTX: retransmit on the media SSRC (browsers use RTX)")
	fs.Float64Var(&c.SendLoss, "send-loss", 0, "share of their RTP packets the bots drop on sending (0 to 0.5), to exercise NACK and RTX")
	fs.StringVar(&f.codec, "codec", string(c.Codec), "video codec: vp8 or h264")
	fs.StringVar(&f.layout, "layout", string(c.Layout), "what each participant watches: speaker (1 large, 3 small), 3x3, 4x4 or 5x5")
	fs.StringVar(&c.RoomPrefix, "room-prefix", "", "room names PREFIX-0, PREFIX-1, ... (default: a fresh loadtest-XXXXXX)")
	fs.DurationVar(&c.SettleTimeout, "settle-timeout", c.SettleTimeout, "longest wait for subscriptions before the window starts")
	fs.IntVar(&c.ServerPID, "server-pid", 0, "PID of the server on this machine: CPU time and memory from /proc")
	fs.StringVar(&f.output, "output", "", "write the JSON report to this file")
	fs.StringVar(&f.plot, "plot", "", "write an SVG chart of bit rate, loss and latency over time to this file")
}

// config resolves the flags into a load test configuration.
func (f *loadtestFlags) config(set map[string]bool) (loadtest.Config, error) {
	c := f.cfg
	if f.tokenSecret != "" {
		if f.creds.secret != "" && f.creds.secret != f.tokenSecret {
			return c, errors.New("--token-secret and --api-secret differ: give one")
		}
		f.creds.secret = f.tokenSecret
	}
	if err := f.creds.resolve(); err != nil {
		return c, err
	}
	c.APIKey, c.APISecret = f.creds.key, f.creds.secret
	if f.noSimulcast {
		if set["simulcast"] && c.Simulcast {
			return c, errors.New("--simulcast and --no-simulcast contradict each other")
		}
		c.Simulcast = false
	}
	c.Codec = loadtest.Codec(strings.ToLower(f.codec))
	layout, err := loadtest.ParseLayout(f.layout)
	if err != nil {
		return c, err
	}
	c.Layout = layout
	return c, c.Validate()
}

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "bench" {
		return runLoadtestBench(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("loadtest", stderr)
	var f loadtestFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: parley loadtest [flags]\n       parley loadtest bench [flags]   (the scenarios of make bench; --relay: make bench-relay)")
		fmt.Fprintln(fs.Output(), "\nJoins bots to a Parley server and measures what they receive.")
		fmt.Fprintln(fs.Output(), "With no --url and no credentials it loads a dev server on this machine (parley serve --dev).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	cfg, err := f.config(set)
	if err != nil {
		return err
	}
	rep, err := loadtest.Run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if err := rep.WriteTables(stdout); err != nil {
		return err
	}
	if f.output != "" {
		if err := writeFile(f.output, rep.WriteJSON); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	if f.plot != "" {
		if err := writeFile(f.plot, rep.WriteSVG); err != nil {
			return fmt.Errorf("chart: %w", err)
		}
	}
	return nil
}

// writeFile creates name and fills it with write.
func writeFile(name string, write func(io.Writer) error) error {
	file, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(file); err != nil {
		_ = file.Close()
		return err
	}
	return file.Close()
}

// runLoadtestBench is `parley loadtest bench`: the fixed scenarios of
// `make bench`, each against a child `parley serve --dev`; with --relay,
// the relay-hop benchmark of `make bench-relay`.
func runLoadtestBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest bench", stderr)
	cfg := loadtest.DefaultBenchConfig()
	exe, _ := os.Executable()
	fs.StringVar(&cfg.ServerBinary, "server-binary", exe, "parley binary the scenarios run as a child server")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "measurement window of each scenario")
	fs.Float64Var(&cfg.Ramp, "ramp", cfg.Ramp, "bots joining per second")
	fs.StringVar(&cfg.SFUBench, "sfu-bench", "", "output of go test -bench . -benchmem ./sfu/ to summarize with the floor ratio")
	fs.StringVar(&cfg.OutDir, "out", "bin/bench", "directory for the JSON reports, server logs and the server's CPU profile")
	fs.BoolVar(&cfg.RTX, "rtx", cfg.RTX, "let the bots negotiate RTX as browsers do (--rtx=false: retransmit on the media SSRC)")
	var relay relayBenchFlags
	relay.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Progress = stderr
	if relay.on {
		return relay.run(ctx, cfg, stdout)
	}
	sum, err := loadtest.RunBench(ctx, cfg, loadtest.BenchScenarios())
	if sum != nil {
		err = cmp.Or(err, writeSummary(sum, stdout, cfg.OutDir, "summary.json"))
	}
	return err
}

// writeSummary prints a bench summary's table and, when dir is set,
// writes its JSON to dir/name.
func writeSummary(sum benchSummary, stdout io.Writer, dir, name string) error {
	err := sum.WriteTable(stdout)
	if dir != "" {
		err = cmp.Or(err, writeFile(filepath.Join(dir, name), sum.WriteJSON))
	}
	return err
}

// benchSummary is the outcome of `parley loadtest bench`, with or without
// --relay.
type benchSummary interface {
	WriteTable(io.Writer) error
	WriteJSON(io.Writer) error
}
