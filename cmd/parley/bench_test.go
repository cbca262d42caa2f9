package main

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-sfu/parley/loadtest"
)

// asParley makes this test binary act as the parley command when the
// environment says so: the bench test runs it as its child server.
const asParley = "PARLEY_TEST_AS_PARLEY"

func TestMain(m *testing.M) {
	if os.Getenv(asParley) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestBenchScenario: the bench harness starts a child server, loads it,
// profiles it and the bots, and summarizes, with a small scenario.
func TestBenchScenario(t *testing.T) {
	t.Setenv(asParley, "1")
	dir := t.TempDir()
	micro := filepath.Join(dir, "sfu.txt")
	if err := os.WriteFile(micro, []byte("BenchmarkForward/subscribers=10-2 \t 1000 \t 2000 ns/op \t 200.0 ns/subscriber \t 0 B/op \t 0 allocs/op\nBenchmarkFloor-2 \t 1000 \t 4000 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := loadtest.DefaultBenchConfig()
	cfg.ServerBinary = os.Args[0]
	cfg.Duration = 3 * time.Second
	cfg.Ramp = 50
	cfg.SFUBench = micro
	cfg.OutDir = dir
	sum, err := loadtest.RunBench(t.Context(), cfg, []loadtest.BenchScenario{{
		Name: "1 pub → 2 subs", Rooms: 1, VideoPublishers: 1, AudioPublishers: 1, Subscribers: 2,
		Layout: loadtest.LayoutSpeaker, Profile: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Results) != 1 || sum.Results[0].Report == nil {
		t.Fatalf("results %+v", sum.Results)
	}
	res := sum.Results[0]
	if rep := res.Report; rep.Totals.TracksGot != 4 || rep.Server.Source == "" || rep.Server.CPUSeconds <= 0 || rep.Server.PacketsOutCounted != "server metrics" {
		t.Errorf("report totals %+v server %+v", rep.Totals, rep.Server)
	}
	for _, f := range []string{res.Profile, res.BotsProfile, filepath.Join(dir, "scenario-0.json")} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%q: %v", f, err)
		}
	}
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Forward/subscribers=10-2", "0.05", "1 pub → 2 subs", "Targets"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
