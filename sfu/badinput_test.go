package sfu

import (
	"errors"
	"testing"

	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestNewEngineRejectsBadConfig(t *testing.T) {
	tests := map[string]func(*Config){
		"cache size not a power of two": func(c *Config) { c.PacketCacheSize = 1000 },
		"cache size too small":          func(c *Config) { c.PacketCacheSize = 8 },
		"port out of range":             func(c *Config) { c.UDPPort = 70000 },
		"bind address not an IP":        func(c *Config) { c.BindAddress = "localhost" },
		"no ICE timeout":                func(c *Config) { c.ICEFailedTimeout = 0 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.UDPPort = 0
			cfg.BindAddress = "127.0.0.1"
			mutate(&cfg)
			e, err := NewEngine(cfg, nil)
			if !errors.Is(err, ErrInvalidConfig) {
				if e != nil {
					_ = e.Close()
				}
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// TestBadInput feeds the publisher and subscriber what a broken or hostile
// client might send: each gets a clear error and nothing else breaks.
func TestBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	e := newTestEngine(t)
	defer e.Close()

	p, err := e.NewPublisher(PublisherConfig{ParticipantID: "PA_x"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s, err := e.NewSubscriber(SubscriberConfig{ParticipantID: "PA_y"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	check := func(name string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
	_, err = p.HandleOffer(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: "v=0\r\ngarbage"})
	check("garbage offer", err, ErrInvalidSDP)
	_, err = p.HandleOffer(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: "v=0\r\n"})
	check("answer as offer", err, ErrInvalidSDP)
	check("garbage candidate", p.AddICECandidate(webrtc.ICECandidateInit{Candidate: "candidate:nonsense"}), ErrInvalidCandidate)
	check("end of candidates", p.AddICECandidate(webrtc.ICECandidateInit{Candidate: ""}), nil)
	check("answer without offer", s.HandleAnswer(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: "v=0\r\n"}), ErrInvalidSDP)
	check("offer as answer", s.HandleAnswer(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer}), ErrInvalidSDP)
	check("unknown track", s.RemoveTrack("TR_nope"), ErrNotSubscribed)
	check("garbage subscriber candidate", s.AddICECandidate(webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp"}), ErrInvalidCandidate)

	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, nil)
	if _, err := s.AddTrack(rig.r, Preferences{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddTrack(rig.r, Preferences{})
	check("second subscription", err, ErrAlreadySubscribed)

	av1 := newTestRig(t, webrtc.RTPCodecTypeVideo, webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000},
	}, nil)
	_, err = s.AddTrack(av1.r, Preferences{})
	check("unsupported codec", err, ErrUnsupportedCodec)

	if err := s.RemoveTrack(rig.r.ID()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddTrack(rig.r, Preferences{})
	check("add after close", err, ErrClosed)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = e.NewPublisher(PublisherConfig{})
	check("publisher after engine close", err, ErrClosed)
	_, err = e.NewSubscriber(SubscriberConfig{})
	check("subscriber after engine close", err, ErrClosed)
}
