package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestClusterCommand: `parley cluster` starts NATS and the nodes, every
// node answers, and cancelling stops them all.
func TestClusterCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"cluster", "--nodes", "2", "--http-port", "0", "--grpc-port", "0", "--udp-port", "0", "--nats-port", "0", "--log-level", "warn"}, &out, &errs)
	}()
	urls := regexp.MustCompile(`node dev\d: (http://\S+)/demo`)
	deadline := time.Now().Add(20 * time.Second)
	for len(urls.FindAllString(out.String(), -1)) < 2 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("nodes not up; output:\n%s\nerrors:\n%s", out.String(), errs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, m := range urls.FindAllStringSubmatch(out.String(), -1) {
		resp, err := http.Get(m[1] + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s/healthz: %s", m[1], resp.Status)
		}
	}
	if !strings.Contains(out.String(), "NATS (in-process): nats://127.0.0.1:") {
		t.Fatalf("no NATS line in:\n%s", out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d; errors:\n%s", code, errs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cluster did not stop")
	}
	if !strings.Contains(out.String(), "shutting down the cluster") {
		t.Fatalf("output:\n%s", out.String())
	}
}

// TestLoadConfigNATS: the config file's cascade section, PARLEY_NATS and
// --nats configure the cluster.
func TestLoadConfigNATS(t *testing.T) {
	file := filepath.Join(t.TempDir(), "parley.yaml")
	yaml := "keys:\n  k: secret123\ncascade:\n  url: nats://file:4222\n  nkey_seed_file: /etc/parley/node.nk\n  tls:\n    ca_file: /etc/parley/ca.pem\n  node_timeout: 6s\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(&serveFlags{configFile: file}, nil, env(nil))
	if c := cfg.Cascade; err != nil || c.URL != "nats://file:4222" || c.NKeySeedFile != "/etc/parley/node.nk" ||
		c.TLS.CAFile != "/etc/parley/ca.pem" || c.NodeTimeout != 6*time.Second || c.HeartbeatInterval != time.Second {
		t.Fatalf("file: %+v, %v", cfg.Cascade, err)
	}
	cfg, err = loadConfig(&serveFlags{}, nil, env(map[string]string{"PARLEY_NATS": "nats://env:4222"}))
	if err != nil || cfg.Cascade.URL != "nats://env:4222" {
		t.Fatalf("env: %q, %v", cfg.Cascade.URL, err)
	}
	cfg, err = loadConfig(&serveFlags{nats: "nats://flag:4222"}, map[string]bool{"nats": true}, env(map[string]string{"PARLEY_NATS": "nats://env:4222"}))
	if err != nil || cfg.Cascade.URL != "nats://flag:4222" {
		t.Fatalf("flag: %q, %v", cfg.Cascade.URL, err)
	}
}
