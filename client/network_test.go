package client

import (
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

func TestRTCConfiguration(t *testing.T) {
	join := &parleypb.JoinResponse{
		IceServers:         []*parleypb.ICEServer{{Urls: []string{"turn:127.0.0.1:3478?transport=udp"}, Username: "1700000000:me", Credential: "pw"}},
		IceTransportPolicy: "relay",
	}
	fromJoin := []webrtc.ICEServer{{URLs: []string{"turn:127.0.0.1:3478?transport=udp"}, Username: "1700000000:me", Credential: "pw"}}
	mine := []webrtc.ICEServer{{URLs: []string{"turn:127.0.0.1:5349"}, Username: "u", Credential: "c"}}
	tests := []struct {
		name string
		opts []Option
		join *parleypb.JoinResponse
		want webrtc.Configuration
	}{
		{name: "from the join response", join: join,
			want: webrtc.Configuration{ICEServers: fromJoin, ICETransportPolicy: webrtc.ICETransportPolicyRelay, SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}},
		{name: "nothing given adds nothing", join: &parleypb.JoinResponse{},
			want: webrtc.Configuration{SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}},
		{name: "overridden", join: join, opts: []Option{WithICEServers(mine...), WithICETransportPolicy(webrtc.ICETransportPolicyAll)},
			want: webrtc.Configuration{ICEServers: mine, ICETransportPolicy: webrtc.ICETransportPolicyAll, SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}},
		{name: "no servers at all", join: join, opts: []Option{WithICEServers()},
			want: webrtc.Configuration{ICETransportPolicy: webrtc.ICETransportPolicyRelay, SDPSemantics: webrtc.SDPSemanticsUnifiedPlan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			for _, o := range tt.opts {
				o(&cfg)
			}
			if got := cfg.rtcConfiguration(tt.join); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoopbackFor(t *testing.T) {
	tests := []struct {
		host string
		opts []Option
		want bool
	}{
		{host: "127.0.0.1", want: true},
		{host: "localhost", want: true},
		{host: "::1", want: true},
		{host: "sfu.example.com", want: false},
		{host: "127.0.0.1", opts: []Option{WithLoopback(false)}, want: false},
		{host: "10.1.2.3", opts: []Option{WithLoopback(true)}, want: true},
	}
	for _, tt := range tests {
		cfg := defaultConfig()
		for _, o := range tt.opts {
			o(&cfg)
		}
		if got := cfg.loopbackFor(endpoint{host: tt.host}); got != tt.want {
			t.Errorf("loopbackFor(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

// TestLoopbackGathering gathers real candidates in loopback mode: all of
// them must be loopback host candidates, without mDNS names.
func TestLoopbackGathering(t *testing.T) {
	checkLeaks(t)
	cfg := defaultConfig()
	tweaked := false
	WithSettingEngine(func(*webrtc.SettingEngine) { tweaked = true })(&cfg)
	api, err := cfg.newAPI(true, newRIDStamper())
	if err != nil {
		t.Fatal(err)
	}
	if !tweaked {
		t.Fatal("WithSettingEngine not applied")
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pc.Close() }()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(wait):
		t.Fatal("gathering did not complete")
	}
	var n int
	for _, line := range strings.Split(pc.LocalDescription().SDP, "\r\n") {
		c, ok := strings.CutPrefix(line, "a=candidate:")
		if !ok {
			continue
		}
		n++
		f := strings.Fields(c)
		if ip := net.ParseIP(f[4]); ip == nil || !ip.IsLoopback() || strings.HasSuffix(f[4], ".local") || f[7] != "host" {
			t.Errorf("candidate %q is not a loopback host candidate", c)
		}
	}
	if n == 0 {
		t.Fatal("no candidates gathered")
	}
}
