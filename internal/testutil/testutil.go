// Package testutil starts in-process Parley nodes and mints tokens for
// tests. Everything binds to 127.0.0.1 on random ports.
package testutil

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/server"
)

// StartServer starts a dev-mode node on random loopback ports and stops it
// when the test ends. mutate may adjust the config first (e.g. set
// cfg.TURN.Enabled: the TURN server, too, gets random ports).
func StartServer(t testing.TB, mutate ...func(*server.Config)) *server.Server {
	t.Helper()
	cfg := server.DevConfig()
	cfg.HTTPPort, cfg.GRPCPort, cfg.SFU.UDPPort = 0, 0, 0
	// Random ports for the TURN server too, should a test enable it.
	cfg.TURN.UDPPort, cfg.TURN.TCPPort, cfg.TURN.TLSPort = 0, 0, 0
	cfg.TURN.RelayPortMin, cfg.TURN.RelayPortMax = 0, 0
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := server.New(cfg, Logger(t))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return srv
}

// Logger logs to the test output at warn level, or at the level named by
// PARLEY_TEST_LOG (debug, info, warn, error).
func Logger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if v := os.Getenv("PARLEY_TEST_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(strings.ToUpper(v)))
	}
	w := &testWriter{w: t.Output()}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// testWriter drops writes after its test ended: a goroutine logging late
// (a library's straggler) must not panic the whole test binary.
type testWriter struct {
	mu   sync.Mutex
	w    io.Writer
	done bool
}

func (tw *testWriter) Write(b []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.done {
		return len(b), nil
	}
	return tw.w.Write(b)
}

func (tw *testWriter) stop() {
	tw.mu.Lock()
	tw.done = true
	tw.mu.Unlock()
}

// AllGrants is what a regular meeting participant gets.
func AllGrants() auth.Grants {
	return auth.Grants{Join: true, Publish: true, Subscribe: true, PublishData: true}
}

// Token mints a token signed with the dev credentials, valid for an hour.
func Token(t testing.TB, room, identity string, g auth.Grants) string {
	t.Helper()
	tok, err := auth.NewToken(server.DevAPIKey, server.DevAPISecret, auth.Claims{
		Identity: identity, Name: identity, Room: room, Grants: g,
	}, time.Hour)
	if err != nil {
		t.Fatalf("mint token: %v", err)
	}
	return tok
}

// Eventually polls cond every 20 ms until it holds or timeout passes, then
// fails the test with msg.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: "+msg, append([]any{timeout}, args...)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CapBitrate is a StartServer option that caps every subscriber's
// bandwidth estimate (rtc.congestion min, start and max, bits/s), as an
// operator may: for tests of what a narrow link looks like to a client.
func CapBitrate(minBps, startBps, maxBps uint64) func(*server.Config) {
	return func(c *server.Config) {
		cc := &c.SFU.Congestion
		cc.MinBitrate, cc.StartBitrate, cc.MaxBitrate = minBps, startBps, maxBps
	}
}
