package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/server"
)

// TestTURNCredentials: the printed credentials are what the embedded TURN
// server (and a coturn with the same static-auth-secret) accepts.
func TestTURNCredentials(t *testing.T) {
	dir := t.TempDir()
	withSecret := filepath.Join(dir, "turn.yaml")
	withKeys := filepath.Join(dir, "keys.yaml")
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(withSecret, "keys:\n  k: apisecret1\nturn:\n  secret: turnsecret1\n")
	write(withKeys, "keys:\n  b: secondsecret\n  a: firstsecret\n")
	tests := []struct {
		name   string
		args   []string
		secret string
		ttl    time.Duration
	}{
		{"dev secret", []string{"--identity", "alice"}, server.DevAPISecret, time.Hour},
		{"ttl", []string{"--identity", "alice", "--ttl", "2h"}, server.DevAPISecret, 2 * time.Hour},
		{"secret flag", []string{"--identity", "alice", "--secret", "s3cret"}, "s3cret", time.Hour},
		{"config turn.secret", []string{"--identity", "alice", "--config", withSecret}, "turnsecret1", time.Hour},
		{"config API secret", []string{"--identity", "alice", "--config", withKeys}, "firstsecret", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), append([]string{"turn", "credentials"}, tt.args...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var username, password string
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				k, v, _ := strings.Cut(line, ": ")
				switch k {
				case "username":
					username = v
				case "password":
					password = v
				}
			}
			now := time.Now()
			id, err := auth.VerifyTURNCredentials(tt.secret, username, password, now)
			if err != nil || id != "alice" {
				t.Fatalf("credentials %q/%q: identity %q, %v", username, password, id, err)
			}
			expiry, _, _ := auth.ParseTURNUsername(username)
			if d := expiry.Sub(now); d < tt.ttl-time.Minute || d > tt.ttl+time.Minute {
				t.Fatalf("valid for %v, want %v", d, tt.ttl)
			}
		})
	}
}

func TestTURNCredentialsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"turn"},
		{"turn", "credentials"},
		{"turn", "credentials", "--identity", "a", "--ttl", "-1h"},
		{"turn", "credentials", "--identity", "a", "--config", "/nonexistent.yaml"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code == 0 {
			t.Errorf("%q succeeded: %s", args, out.String())
		}
	}
}

// TestServeTURNFlag: --turn turns the embedded server on, on localhost in
// dev mode.
func TestServeTURNFlag(t *testing.T) {
	cfg, err := loadConfig(&serveFlags{dev: true, turn: true}, map[string]bool{"dev": true, "turn": true}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.TURN.Enabled, cfg.TURN.BindAddress, cfg.TURN.RelayAddress, cfg.TURN.UDPPort, cfg.TURN.TCPPort, cfg.TURNSecret()}
	want := []any{true, "127.0.0.1", "127.0.0.1", 3478, 3478, server.DevAPISecret}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("TURN config %v, want %v", got, want)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.TURN.BindAddress = "0.0.0.0"
	if err := cfg.Validate(); err == nil {
		t.Fatal("dev mode let the TURN server bind beyond localhost")
	}
}
