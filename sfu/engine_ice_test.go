package sfu

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// TestEngineCandidates: the publisher's candidates are the media UDP port
// and, unless disabled, the passive ICE-TCP port, on loopback in dev mode
// and as the node IP behind a 1:1 NAT. Nothing is sent anywhere: the offer
// carries no candidates, so the engine only gathers.
func TestEngineCandidates(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   func(e *Engine) []string
	}{
		{
			name: "UDP and ICE-TCP on loopback",
			want: func(e *Engine) []string {
				return []string{
					fmt.Sprintf("host tcp 127.0.0.1:%d passive", e.TCPAddr().Port),
					fmt.Sprintf("host udp 127.0.0.1:%d", e.UDPAddr().Port),
				}
			},
		},
		{
			name:   "ICE-TCP disabled",
			mutate: func(c *Config) { c.TCPPort = -1 },
			want: func(e *Engine) []string {
				return []string{fmt.Sprintf("host udp 127.0.0.1:%d", e.UDPAddr().Port)}
			},
		},
		{
			name:   "node IP for 1:1 NAT",
			mutate: func(c *Config) { c.NodeIPs = []string{"203.0.113.9"} },
			want: func(e *Engine) []string {
				return []string{
					fmt.Sprintf("host tcp 203.0.113.9:%d passive", e.TCPAddr().Port),
					fmt.Sprintf("host udp 203.0.113.9:%d", e.UDPAddr().Port),
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.BindAddress, cfg.UDPPort, cfg.IncludeLoopback = "127.0.0.1", 0, true
			if tt.mutate != nil {
				tt.mutate(&cfg)
			}
			e, err := NewEngine(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = e.Close() }()
			if got, want := gatheredCandidates(t, e), tt.want(e); !slices.Equal(got, want) {
				t.Fatalf("candidates %q, want %q", got, want)
			}
		})
	}
}

// gatheredCandidates answers a candidate-less offer and returns the
// publisher's candidates as "type protocol address:port [tcptype]",
// sorted.
func gatheredCandidates(t *testing.T, e *Engine) []string {
	t.Helper()
	done := make(chan struct{})
	var got []string
	p, err := e.NewPublisher(PublisherConfig{
		ParticipantID: "PA_test",
		OnICECandidate: func(c *webrtc.ICECandidateInit) {
			if c == nil {
				close(done)
				return
			}
			cand, err := ice.UnmarshalCandidate(strings.TrimPrefix(c.Candidate, "candidate:"))
			if err != nil {
				t.Errorf("bad candidate %q: %v", c.Candidate, err)
				return
			}
			s := fmt.Sprintf("%s %s %s:%d", cand.Type(), cand.NetworkType().NetworkShort(), cand.Address(), cand.Port())
			if cand.TCPType() != ice.TCPTypeUnspecified {
				s += " " + cand.TCPType().String()
			}
			got = append(got, s)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Close() }()

	client, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	if _, err := client.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := client.CreateOffer(nil) // never set locally: no gathering, no traffic
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.HandleOffer(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("gathering did not complete; got %q", got)
	}
	slices.Sort(got)
	return got
}

func TestICEConfigValidation(t *testing.T) {
	for _, c := range []ICEConfig{
		{TCPPort: 70000},
		{IncludeIPs: []string{"not-a-cidr"}},
		{ExcludeIPs: []string{"10.0.0.0/33"}},
	} {
		cfg := DefaultConfig()
		cfg.ICEConfig = c
		if err := cfg.validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestIPFilter(t *testing.T) {
	f := ICEConfig{IncludeIPs: []string{"10.0.0.0/8", "192.0.2.7"}, ExcludeIPs: []string{"10.1.0.0/16"}}.ipFilter()
	var got []string
	for _, ip := range []string{"10.0.0.1", "10.1.2.3", "192.0.2.7", "192.0.2.8", "::ffff:10.0.0.2"} {
		if f.keep(net.ParseIP(ip)) {
			got = append(got, ip)
		}
	}
	if want := []string{"10.0.0.1", "192.0.2.7", "::ffff:10.0.0.2"}; !slices.Equal(got, want) {
		t.Fatalf("kept %q, want %q", got, want)
	}
}
