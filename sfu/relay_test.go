package sfu

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// plisTo records the SSRCs keyframe requests were sent for.
type plisTo struct {
	mu    sync.Mutex
	ssrcs []uint32
}

func (p *plisTo) send(ssrc uint32) {
	p.mu.Lock()
	p.ssrcs = append(p.ssrcs, ssrc)
	p.mu.Unlock()
}

func (p *plisTo) got() []uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]uint32(nil), p.ssrcs...)
}

// TestRelayReceiver: a relay receiver reports the layers its down-tracks
// demand among those the origin has (a down-track paused for bandwidth
// demands the layer it would resume at), survives its layers ending, and when
// a layer attaches again (a re-established relay, numbered afresh) its
// down-tracks resume at a keyframe with no jump in their numbering, asking
// the new attachment for that keyframe.
func TestRelayReceiver(t *testing.T) {
	e := newTestEngine(t)
	t.Cleanup(func() { _ = e.Close() })
	layers := []LayerInfo{
		{RID: "q", Width: 320, Height: 180},
		{RID: "h", Width: 640, Height: 360},
		{RID: "f", Width: 1280, Height: 720},
	}
	r := e.NewRelayReceiver(RelaySpec{
		ID: "TR_relay", StreamID: "PA_origin", Kind: webrtc.RTPCodecTypeVideo,
		Codec: codecVP8, Layers: layers, ActiveLayers: 0b111,
	})
	if !r.IsRelay() || r.ID() != "TR_relay" || r.StreamID() != "PA_origin" || !reflect.DeepEqual(r.Layers(), layers) {
		t.Fatalf("relay receiver %s/%s layers %v", r.ID(), r.StreamID(), r.Layers())
	}
	rig := &testRig{t: t, r: r}
	t.Cleanup(rig.close)
	small, large := &fakeWriter{record: true}, &fakeWriter{record: true}
	dtSmall := rig.downTrack(Preferences{Width: 320, Height: 180}, small)
	rig.downTrack(Preferences{}, large)

	type state struct{ Active, Demanded, Attached uint8 }
	check := func(step string, want state) {
		t.Helper()
		got := state{r.ActiveLayers(), r.DemandedLayers(), r.AttachedLayers()}
		if got != want {
			t.Fatalf("%s: %+v, want %+v", step, got, want)
		}
	}
	check("two down-tracks", state{0b111, 0b101, 0})
	r.SetOriginLayers(0b011)
	check("origin lost its top layer", state{0b011, 0b011, 0})
	r.SetOriginLayers(0b111)
	check("top layer back", state{0b111, 0b101, 0})
	// Paused for bandwidth, the small one still demands the layer it
	// would resume at on trial.
	dtSmall.setAllocation(allocation{set: true, layer: LayerNone}, 0)
	check("small paused for bandwidth", state{0b111, 0b101, 0})
	dtSmall.setAllocation(allocation{}, LayerNone)

	var plis plisTo
	packet := func(seq uint16, ts uint32, key bool) []byte {
		return rtpPacket(t, rtp.Header{SequenceNumber: seq, Timestamp: ts, PayloadType: 96},
			vp8Payload(seq, 0, 0, true, key, []byte{1, 2, 3}))
	}
	first := r.addLayerWith(0, "", 5000, 0, plis.send)
	if first == nil {
		t.Fatal("layer 0 not attached")
	}
	check("layer 0 attached", state{0b111, 0b101, 0b001})
	for i := range 3 {
		feed(first, packet(100+uint16(i), 9000+uint32(i)*3000, true), int64(i+1)*33e6)
	}

	r.layerEnded(first) // the relay PeerConnection went away
	check("layer 0 detached", state{0b111, 0b101, 0})
	if cur := dtSmall.CurrentLayer(); cur != LayerNone {
		t.Fatalf("down-track still forwards layer %d after it detached", cur)
	}
	if second := r.addLayerWith(0, "", 5000, 0, plis.send); second == nil {
		t.Fatal("layer 0 does not attach again")
	} else {
		feed(second, packet(7000, 500000, false), 200e6) // not a keyframe: waits
		feed(second, packet(7001, 503000, true), 233e6)
		feed(second, packet(7002, 506000, true), 266e6)
	}
	if got := plis.got(); len(got) == 0 {
		t.Fatal("no keyframe requested from the new attachment")
	}
	var seqs []uint16
	for _, p := range small.packets() {
		seqs = append(seqs, p.Header.SequenceNumber)
	}
	if want := []uint16{100, 101, 102, 103, 104}; !reflect.DeepEqual(seqs, want) {
		t.Fatalf("small down-track sent seqs %v, want %v", seqs, want)
	}
	if n := len(large.packets()); n != 0 {
		t.Fatalf("large down-track got %d packets of layer 0", n)
	}

	r.End()
	select {
	case <-r.Done():
	default:
		t.Fatal("Done not closed after End")
	}
}

// TestRelayPorts: relay PeerConnections gather on the configured port
// range, not on the engine's media port; a range must be a range.
func TestRelayPorts(t *testing.T) {
	cfg := DefaultConfig()
	cfg.UDPPort, cfg.BindAddress, cfg.IncludeLoopback = 0, "127.0.0.1", true
	for _, bad := range [][2]uint16{{20100, 20000}, {20000, 0}, {0, 20000}} {
		c := cfg
		c.RelayPortMin, c.RelayPortMax = bad[0], bad[1]
		if e, err := NewEngine(c, nil); !errors.Is(err, ErrInvalidConfig) {
			if e != nil {
				_ = e.Close()
			}
			t.Fatalf("relay ports %v: %v, want ErrInvalidConfig", bad, err)
		}
	}
	// Below Linux's ephemeral range, so that only the setting puts the
	// port there.
	cfg.RelayPortMin, cfg.RelayPortMax = 20000, 20999
	e, err := NewEngine(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	ports := make(chan int, 16)
	sub, err := e.NewSubscriber(SubscriberConfig{
		ParticipantID: "relay-B",
		Relay:         true,
		OnICECandidate: func(c *webrtc.ICECandidateInit) {
			if c == nil {
				return
			}
			if cand, err := ice.UnmarshalCandidate(strings.TrimPrefix(c.Candidate, "candidate:")); err == nil {
				ports <- cand.Port()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	src := e.NewRelayReceiver(RelaySpec{ID: "TR_a", StreamID: "PA_a", Kind: webrtc.RTPCodecTypeAudio, Codec: codecOpus, ActiveLayers: 1})
	defer src.End()
	if _, err := sub.AddTrack(src, Preferences{}); err != nil {
		t.Fatal(err)
	}
	select {
	case port := <-ports:
		if port < 20000 || port > 20999 || port == e.UDPAddr().Port {
			t.Fatalf("relay candidate on port %d, want 20000-20999", port)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no relay candidate gathered")
	}
}
