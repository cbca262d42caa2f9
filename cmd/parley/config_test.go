package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-sfu/parley/server"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "parley.yaml")
	if err := os.WriteFile(file, []byte("keys:\n  prodkey: prodsecret123\nhttp_port: 9000\nrtc:\n  udp_port: 9002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("htp_port: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	type want struct {
		dev               bool
		bind              string
		httpPort, udpPort int
		keys              string
	}
	tests := []struct {
		name    string
		flags   serveFlags
		set     []string
		env     map[string]string
		want    want
		wantErr string
	}{
		{name: "nothing configured is dev mode", want: want{dev: true, bind: "127.0.0.1", httpPort: 7880, udpPort: 7882, keys: "devkey"}},
		{name: "explicit dev", flags: serveFlags{dev: true}, set: []string{"dev"}, want: want{dev: true, bind: "127.0.0.1", httpPort: 7880, udpPort: 7882, keys: "devkey"}},
		{name: "file configures production", flags: serveFlags{configFile: file}, want: want{httpPort: 9000, udpPort: 9002, keys: "prodkey"}},
		{name: "env overrides file", flags: serveFlags{configFile: file}, env: map[string]string{"PARLEY_HTTP_PORT": "9100"}, want: want{httpPort: 9100, udpPort: 9002, keys: "prodkey"}},
		{name: "flag overrides env", flags: serveFlags{configFile: file, httpPort: 9200}, set: []string{"http-port"}, env: map[string]string{"PARLEY_HTTP_PORT": "9100"}, want: want{httpPort: 9200, udpPort: 9002, keys: "prodkey"}},
		{name: "keys from env are production", env: map[string]string{"PARLEY_KEYS": "k1: s1s1s1s1s1"}, want: want{httpPort: 7880, udpPort: 7882, keys: "k1"}},
		{name: "config from env var", env: map[string]string{"PARLEY_CONFIG": file}, want: want{httpPort: 9000, udpPort: 9002, keys: "prodkey"}},
		{name: "unknown key in file", flags: serveFlags{configFile: bad}, wantErr: "field htp_port not found"},
		{name: "bad keys", env: map[string]string{"PARLEY_KEYS": "nocolon"}, wantErr: "is not \"key: secret\""},
		{name: "bad port", env: map[string]string{"PARLEY_UDP_PORT": "x"}, wantErr: "PARLEY_UDP_PORT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := map[string]bool{}
			for _, s := range tt.set {
				set[s] = true
			}
			cfg, err := loadConfig(&tt.flags, set, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range cfg.Keys {
				keys = append(keys, k)
			}
			got := want{dev: cfg.Dev, bind: cfg.BindAddress, httpPort: cfg.HTTPPort, udpPort: cfg.SFU.UDPPort, keys: strings.Join(keys, ",")}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDevModeRefusesPublicBind(t *testing.T) {
	cfg := server.DevConfig()
	cfg.BindAddress, cfg.SFU.BindAddress = "0.0.0.0", "0.0.0.0"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "localhost only") {
		t.Fatalf("Validate = %v, want a refusal to bind beyond localhost", err)
	}
	cfg.AllowRemote = true
	if err := cfg.Validate(); err != nil {
		t.Fatalf("with AllowRemote: %v", err)
	}
}
