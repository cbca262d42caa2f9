package browsertest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLocateChromium(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notExe := filepath.Join(t.TempDir(), "chromium.txt")
	if err := os.WriteFile(notExe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	noPath := func(string) (string, error) { return "", exec.ErrNotFound }
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr []string
	}{
		{name: "CHROMIUM set", env: map[string]string{"CHROMIUM": exe}, want: exe},
		{name: "CHROMIUM not executable", env: map[string]string{"CHROMIUM": notExe},
			wantErr: []string{"not an executable file", "make test"}},
		{name: "CHROMIUM missing, required", env: map[string]string{"CHROMIUM": "/nonexistent/chromium", RequireBrowserEnv: "1"},
			wantErr: []string{"make test", "never skip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := locateChromium(env(tt.env), noPath)
			if len(tt.wantErr) == 0 {
				if err != nil || got != tt.want {
					t.Fatalf("locateChromium() = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrNoChromium) {
				t.Fatalf("locateChromium() error = %v, want ErrNoChromium", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestWithFlag(t *testing.T) {
	cfg := config{flags: []flag{{"headless", "new"}, {"disable-features", "WebRtcHideLocalIpsWithMdns"}, {fakeUIFlag, true}}}
	for _, o := range []Option{
		WithFlag("--disable-features", "Translate"),
		WithFlag("auto-select-desktop-capture-source", "Entire screen"),
		WithPerPagePermissions(),
	} {
		o(&cfg)
	}
	want := []flag{
		{"headless", "new"},
		{"disable-features", "WebRtcHideLocalIpsWithMdns,Translate"},
		{fakeUIFlag, false},
		{"auto-select-desktop-capture-source", "Entire screen"},
	}
	if !reflect.DeepEqual(cfg.flags, want) {
		t.Errorf("flags = %v, want %v", cfg.flags, want)
	}
	if (&Browser{cfg: cfg}).fakeUI() {
		t.Error("fakeUI() = true after WithPerPagePermissions")
	}
	if !(&Browser{cfg: config{flags: baseFlags()}}).fakeUI() {
		t.Error("fakeUI() = false for the default flags")
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(5)
	for _, s := range []string{"abc", "defg", "h"} {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.String(); got != "defgh" {
		t.Errorf("tail = %q, want defgh", got)
	}
}

func TestUniqueName(t *testing.T) {
	pages := []*Page{{name: "alice"}, {name: "alice-2"}}
	for in, want := range map[string]string{"alice": "alice-3", "bob smith": "bob_smith", "": "page", "../x": ".._x"} {
		if got := uniqueName(pages, in); got != want {
			t.Errorf("uniqueName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatsTotals(t *testing.T) {
	s := Stats{PCs: map[string]PCStats{
		"subscriber": {
			InboundVideo: []InboundVideo{{Mid: "0", FramesDecoded: 10, PLICount: 1}, {Mid: "2", FramesDecoded: 5}},
			InboundAudio: []InboundAudio{{Mid: "1", PacketsReceived: 7}},
			CandidatePairs: []CandidatePair{
				{RequestsSent: 3, Local: &Candidate{Address: "127.0.0.1"}, Remote: &Candidate{Address: "::1"}},
				{Local: &Candidate{Address: "192.0.2.2"}, Remote: &Candidate{Address: "127.0.0.1"}},
			},
		},
		"publisher": {
			OutboundVideo: []Outbound{{RID: "q", PLICount: 2}, {RID: "f", PLICount: 1}},
			CandidatePairs: []CandidatePair{
				{State: "succeeded", RequestsSent: 3,
					Local:  &Candidate{Type: "host", Protocol: "udp", Address: "192.0.2.2", Port: 5},
					Remote: &Candidate{Type: "host", Protocol: "udp", Address: "127.0.0.1", Port: 9}},
			},
		},
	}}
	got := []uint64{s.FramesDecoded(), s.AudioPacketsReceived(), s.PLIsSent(), s.PLIsReceived()}
	if want := []uint64{15, 7, 1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("totals = %v, want %v", got, want)
	}
	if mids := []string{s.InboundVideo()[0].Mid, s.InboundVideo()[1].Mid}; !reflect.DeepEqual(mids, []string{"0", "2"}) {
		t.Errorf("InboundVideo mids = %v", mids)
	}
	want := []string{"publisher: host udp 192.0.2.2:5 -> host udp 127.0.0.1:9 (succeeded, 3 requests sent)"}
	if got := s.CheckedNonLoopback(); !reflect.DeepEqual(got, want) {
		t.Errorf("CheckedNonLoopback = %q, want %q", got, want)
	}
}
