package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/testutil"
)

func TestLoadtestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--subscribers", "1", "--codec", "av1"}, "codec"},
		{[]string{"--subscribers", "1", "--layout", "7x7"}, "layout"},
		{[]string{"--subscribers", "1", "--rooms", "0"}, "--rooms"},
		{[]string{"--subscribers", "1", "--duration", "-1s"}, "--duration"},
		{[]string{"--subscribers", "1", "--ramp", "0"}, "--ramp"},
		{[]string{"--subscribers", "-2"}, "negative"},
		{[]string{}, "no bots"},
		{[]string{"--subscribers", "1", "--simulcast", "--no-simulcast"}, "contradict"},
		{[]string{"--subscribers", "1", "--metrics-url", "ftp://x/metrics"}, "metrics URL"},
		{[]string{"--subscribers", "1", "--api-key", "k"}, "api-secret"},
		{[]string{"--subscribers", "1", "--api-secret", "a", "--token-secret", "b"}, "differ"},
		{[]string{"--subscribers", "1", "--room-prefix", "a b"}, "room prefix"},
		{[]string{"--subscribers", "1", "--publisher-url", "grpc://127.0.0.1:7990"}, "no publishers"},
		{[]string{"--subscribers", "x"}, "invalid value"},
		{[]string{"--bogus"}, "not defined"},
		{[]string{"--subscribers", "1", "extra"}, "unexpected arguments"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"loadtest"}, tc.args...), &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want an error about %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestLoadtestFailsFast: an unreachable server or rejected credentials end
// the run at once with a clear message, before any load starts.
func TestLoadtestFailsFast(t *testing.T) {
	srv := testutil.StartServer(t)
	dead := closedPort(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"grpc unreachable", []string{"--url", "grpc://" + dead}, "server unreachable"},
		{"websocket unreachable", []string{"--url", "ws://" + dead + "/signal"}, "server unreachable"},
		{"grpc bad secret", []string{"--url", "grpc://" + srv.GRPCAddr(), "--api-key", "devkey", "--api-secret", "wrongsecret"}, "rejected"},
		{"websocket bad secret", []string{"--url", "ws://" + srv.HTTPAddr() + "/signal", "--api-key", "devkey", "--api-secret", "wrongsecret"}, "rejected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			start := time.Now()
			args := append([]string{"loadtest", "--subscribers", "2", "--duration", "1s"}, tc.args...)
			code := run(t.Context(), args, &out, &errOut)
			if code == 0 || !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %q", code, errOut.String(), tc.want)
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("took %v to fail", d)
			}
		})
	}
}

// TestLoadtestWritesReports: a short run prints the tables and writes the
// JSON report and the chart.
func TestLoadtestWritesReports(t *testing.T) {
	srv := testutil.StartServer(t)
	dir := t.TempDir()
	report, chart := filepath.Join(dir, "report.json"), filepath.Join(dir, "report.svg")
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"loadtest", "--url", "ws://" + srv.HTTPAddr() + "/signal",
		"--video-publishers", "1", "--subscribers", "1", "--duration", "2s", "--ramp", "50", "--codec", "h264",
		"--no-simulcast", "--layout", "3x3", "--output", report, "--plot", chart}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"PUBLISHED TRACKS", "SUBSCRIBERS", "TOTALS", "h264", "latency"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tables lack %q:\n%s", want, out.String())
		}
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Config struct {
			Codec     string `json:"codec"`
			Simulcast bool   `json:"simulcast"`
			Layout    string `json:"layout"`
		} `json:"config"`
		Totals struct {
			TracksGot int `json:"tracks_got"`
			Latency   struct {
				P50 float64 `json:"p50_ms"`
			} `json:"latency"`
		} `json:"totals"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	if rep.Config.Codec != "h264" || rep.Config.Simulcast || rep.Config.Layout != "3x3" || rep.Totals.TracksGot != 1 || rep.Totals.Latency.P50 <= 0 {
		t.Errorf("report: %s", raw)
	}
	if svg, err := os.ReadFile(chart); err != nil || !bytes.HasPrefix(svg, []byte("<svg")) {
		t.Errorf("chart: %v %.40q", err, svg)
	}
}
