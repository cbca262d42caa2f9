package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/parley-sfu/parley/internal/natsembed"
	"github.com/parley-sfu/parley/loadtest"
)

// relayBenchFlags are the flags `parley loadtest bench` adds for the
// relay-hop benchmark.
type relayBenchFlags struct {
	on       bool
	runs     int
	nats     string
	scenario loadtest.RelayScenario
	layout   string
}

func (f *relayBenchFlags) register(fs *flag.FlagSet) {
	d := loadtest.DefaultRelayBenchConfig()
	f.scenario = d.Scenario
	sc := &f.scenario
	fs.BoolVar(&f.on, "relay", false, "the relay-hop benchmark instead: 1 pub → 25 subs on one node of a two-node cluster, then with the subscribers on the other node")
	fs.IntVar(&f.runs, "runs", d.Runs, "with --relay: runs of each placement (medians are reported)")
	fs.StringVar(&f.nats, "nats", "", "with --relay: NATS URL the two nodes join (default: an in-process NATS server on a free loopback port)")
	fs.IntVar(&sc.Rooms, "rooms", sc.Rooms, "with --relay: number of rooms (a relay each); the counts below are per room")
	fs.IntVar(&sc.VideoPublishers, "video-publishers", sc.VideoPublishers, "with --relay: participants publishing video")
	fs.IntVar(&sc.AudioPublishers, "audio-publishers", sc.AudioPublishers, "with --relay: participants publishing audio")
	fs.IntVar(&sc.Subscribers, "subscribers", sc.Subscribers, "with --relay: receive-only participants")
	fs.StringVar(&f.layout, "layout", string(sc.Layout), "with --relay: what each participant watches: speaker, 3x3, 4x4 or 5x5")
}

// scenarioOf resolves the scenario flags.
func (f *relayBenchFlags) scenarioOf() (loadtest.RelayScenario, error) {
	sc := f.scenario
	layout, err := loadtest.ParseLayout(f.layout)
	if err != nil {
		return sc, err
	}
	sc.Layout = layout
	pubs := max(sc.VideoPublishers, sc.AudioPublishers)
	if pubs < 1 || sc.Subscribers < 1 || min(sc.VideoPublishers, sc.AudioPublishers) < 0 {
		return sc, errors.New("--relay needs at least one publisher and one subscriber")
	}
	if sc.Rooms < 1 {
		return sc, fmt.Errorf("--rooms must be at least 1, got %d", sc.Rooms)
	}
	sc.Name = fmt.Sprintf("%d pub → %d subs", pubs, sc.Subscribers)
	if pubs > 1 {
		sc.Name = fmt.Sprintf("%d pubs → %d subs", pubs, sc.Subscribers)
	}
	if sc.Rooms > 1 {
		sc.Name = fmt.Sprintf("%d rooms × %s", sc.Rooms, sc.Name)
	}
	return sc, nil
}

// run is `parley loadtest bench --relay`: it takes the bench's binary,
// window, ramp, RTX, output and progress settings from bench.
func (f *relayBenchFlags) run(ctx context.Context, bench loadtest.BenchConfig, stdout io.Writer) error {
	if bench.SFUBench != "" {
		return errors.New("--sfu-bench does not apply to --relay")
	}
	cfg := loadtest.DefaultRelayBenchConfig()
	cfg.ServerBinary, cfg.Duration, cfg.Ramp, cfg.RTX = bench.ServerBinary, bench.Duration, bench.Ramp, bench.RTX
	cfg.OutDir, cfg.Progress, cfg.Logger = bench.OutDir, bench.Progress, bench.Logger
	cfg.Runs, cfg.NATSURL = f.runs, f.nats
	var err error
	if cfg.Scenario, err = f.scenarioOf(); err != nil {
		return err
	}
	if cfg.NATSURL == "" {
		srv, err := natsembed.Start("127.0.0.1", 0)
		if err != nil {
			return err
		}
		defer srv.Stop()
		cfg.NATSURL = srv.URL()
	}
	sum, err := loadtest.RunRelayBench(ctx, cfg)
	if sum != nil {
		err = cmp.Or(err, writeSummary(sum, stdout, cfg.OutDir, "relay-summary.json"))
	}
	if err != nil {
		return fmt.Errorf("relay bench: %w", err)
	}
	return nil
}
