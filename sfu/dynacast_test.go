package sfu

import (
	"reflect"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

var simLayers = []LayerInfo{
	{RID: "q", Width: 320, Height: 180}, {RID: "h", Width: 640, Height: 360}, {RID: "f", Width: 1280, Height: 720},
}

// simFeeder feeds keyframes to the three layers of a rig at given times.
type simFeeder struct {
	t      *testing.T
	layers []*receiverLayer
	seq    [MaxLayers]uint16
}

func newSimFeeder(t *testing.T, rig *testRig) *simFeeder {
	f := &simFeeder{t: t}
	for i := range int8(MaxLayers) {
		f.layers = append(f.layers, rig.layer(i))
	}
	return f
}

func (f *simFeeder) feed(layer int, at int64) {
	f.seq[layer]++
	s := f.seq[layer]
	raw := rtpPacket(f.t, rtp.Header{SequenceNumber: s, Timestamp: uint32(s) * 3000, SSRC: 1000 + uint32(layer), PayloadType: 96, Marker: true},
		vp8Payload(s, uint8(s), 0, true, true, []byte{byte(layer), 1, 2}))
	feed(f.layers[layer], raw, at)
}

// TestDynacast follows the layers a publisher is told to send as a
// subscriber comes, resizes its tile and goes.
func TestDynacast(t *testing.T) {
	var told []uint8
	rig := newTestRigWith(t, webrtc.RTPCodecTypeVideo, codecVP8, simLayers, func(_ *Receiver, layers uint8) { told = append(told, layers) })
	f := newSimFeeder(t, rig)
	for l := range MaxLayers {
		f.feed(l, 0)
	}
	r := rig.r
	step := func(now int64, want ...uint8) {
		t.Helper()
		told = nil
		r.tick(now)
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(told, want) {
			t.Fatalf("at %d ms told %03b, want %03b", now/1e6, told, want)
		}
	}
	step(100e6)         // nobody subscribes: off, but only after a while
	step(3000e6)        //
	step(3200e6, 0b000) // 3 s later
	d := rig.downTrack(Preferences{Width: 320, Height: 180}, &fakeWriter{})
	step(3300e6, 0b001) // on at once
	d.SetPreferences(Preferences{Width: 1280, Height: 720})
	step(3400e6, 0b111)
	d.SetPreferences(Preferences{Width: 640, Height: 360})
	step(3500e6)
	d.SetPreferences(Preferences{Width: 320, Height: 180}) // the delay restarts
	step(5000e6)
	step(7000e6)
	step(8000e6, 0b001)
	if got := r.SubscribedLayers(); got != 0b001 {
		t.Fatalf("SubscribedLayers %03b", got)
	}
	d.SetPreferences(Preferences{Paused: true})
	step(8100e6)
	step(11100e6, 0b000)
}

// TestLayerRates: the monitor measures each layer's bitrate and frame rate;
// a layer that stopped (layerstall.go) measures nothing.
func TestLayerRates(t *testing.T) {
	rig := newTestRig(t, webrtc.RTPCodecTypeVideo, codecVP8, simLayers)
	f := newSimFeeder(t, rig)
	for l := range MaxLayers {
		f.feed(l, 0)
	}
	for now := int64(100e6); now <= 2000e6; now += 100e6 {
		f.feed(0, now)
		f.feed(1, now)
		rig.r.tick(now)
	}
	rates := rig.r.LayerRates()
	if rates[0].Bitrate[0] == 0 || rates[0].FPS[0] < 5 || rates[1].Bitrate[0] == 0 || rates[2].Bitrate[0] != 0 {
		t.Fatalf("rates %+v", rates)
	}
	if got := rates[0].Upto(maxTemporal); got != rates[0].Bitrate[0] {
		t.Fatalf("Upto %d, want %d", got, rates[0].Bitrate[0])
	}
}
