package sfu

import (
	"reflect"
	"testing"
)

// simRates are three measured layers without temporal layers.
var simRates = [MaxLayers]LayerRates{
	{Bitrate: [4]uint32{150_000}},
	{Bitrate: [4]uint32{500_000}},
	{Bitrate: [4]uint32{1_500_000}},
}

// temporalRates is a low layer with three temporal layers (60+30+60 kbit/s).
var temporalRates = [MaxLayers]LayerRates{{Bitrate: [4]uint32{60_000, 30_000, 60_000}}}

func track(id string, prio Priority, desired int8, cur allocation) allocTrack {
	return allocTrack{id: id, priority: prio, desired: desired, maxTemporal: maxTemporal, active: 0b111, rates: simRates, current: cur}
}

func at(layer int8) allocation { return allocation{set: true, layer: layer, temporal: maxTemporal} }

var paused = allocation{set: true, layer: LayerNone}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name   string
		budget uint64
		tracks []allocTrack
		want   []allocResult
	}{
		{
			"everything fits",
			5_000_000,
			[]allocTrack{track("a", PriorityNormal, 2, allocation{})},
			[]allocResult{{alloc: at(2), cost: 1_500_000}},
		},
		{
			"the budget caps the layer; the next step is what a probe must fit",
			1_000_000,
			[]allocTrack{track("a", PriorityNormal, 2, allocation{})},
			[]allocResult{{alloc: at(1), cost: 500_000, next: 1_000_000}},
		},
		{
			"a small tile asks for less than the budget allows",
			5_000_000,
			[]allocTrack{track("a", PriorityNormal, 0, allocation{})},
			[]allocResult{{alloc: at(0), cost: 150_000}},
		},
		{
			"a screen share goes up before a camera",
			2_000_000,
			[]allocTrack{track("cam", PriorityNormal, 2, allocation{}), track("screen", PriorityScreen, 2, allocation{})},
			[]allocResult{{alloc: at(1), cost: 500_000, next: 1_000_000}, {alloc: at(2), cost: 1_500_000}},
		},
		{
			"the active speaker before the others, who share the rest in turn",
			1_300_000,
			[]allocTrack{
				track("a", PriorityNormal, 2, allocation{}), track("b", PrioritySpeaker, 2, allocation{}), track("c", PriorityNormal, 2, allocation{}),
			},
			[]allocResult{
				{alloc: at(1), cost: 500_000, next: 1_000_000},
				{alloc: at(1), cost: 500_000, next: 1_000_000},
				{alloc: at(0), cost: 150_000, next: 350_000},
			},
		},
		{
			"the lowest priority pauses when even its lowest layer does not fit",
			200_000,
			[]allocTrack{track("cam", PriorityNormal, 2, allocation{}), track("screen", PriorityScreen, 2, allocation{})},
			[]allocResult{{alloc: paused, next: 150_000}, {alloc: at(0), cost: 150_000, next: 350_000}},
		},
		{
			"a layer that still fits the whole budget is kept",
			520_000,
			[]allocTrack{track("a", PriorityNormal, 2, at(1))},
			[]allocResult{{alloc: at(1), cost: 500_000, next: 1_000_000}},
		},
		{
			"going up needs headroom",
			560_000,
			[]allocTrack{track("a", PriorityNormal, 2, at(0))},
			[]allocResult{{alloc: at(0), cost: 150_000, next: 350_000}},
		},
		{
			"a paused track resumes only with headroom",
			170_000,
			[]allocTrack{track("a", PriorityNormal, 2, paused)},
			[]allocResult{{alloc: paused, next: 150_000}},
		},
		{
			"a track cut down recently is held there",
			5_000_000,
			[]allocTrack{func() allocTrack { t := track("a", PriorityNormal, 2, at(0)); t.held = true; return t }()},
			[]allocResult{{alloc: at(0), cost: 150_000}},
		},
		{
			"paused by the subscriber: nothing to allocate",
			5_000_000,
			[]allocTrack{track("a", PriorityNormal, LayerNone, allocation{})},
			[]allocResult{{}},
		},
		{
			"temporal layers are steps of their own",
			100_000,
			[]allocTrack{func() allocTrack {
				t := track("a", PriorityNormal, 0, allocation{})
				t.rates = temporalRates
				return t
			}()},
			[]allocResult{{alloc: allocation{set: true, layer: 0, temporal: 1}, cost: 90_000, next: 60_000}},
		},
		{
			"a frame rate preference caps the temporal layer",
			5_000_000,
			[]allocTrack{func() allocTrack {
				t := track("a", PriorityNormal, 0, allocation{})
				t.rates, t.maxTemporal = temporalRates, 0
				return t
			}()},
			[]allocResult{{alloc: allocation{set: true, layer: 0, temporal: 0}, cost: 60_000}},
		},
		{
			"layers not received are no option",
			5_000_000,
			[]allocTrack{func() allocTrack { t := track("a", PriorityNormal, 2, allocation{}); t.active = 0b011; return t }()},
			[]allocResult{{alloc: at(1), cost: 500_000}},
		},
		{
			"only a layer above the desired one is received",
			5_000_000,
			[]allocTrack{func() allocTrack { t := track("a", PriorityNormal, 0, allocation{}); t.active = 0b100; return t }()},
			[]allocResult{{alloc: at(2), cost: 1_500_000}},
		},
		{
			"unmeasured layers cost what they announce, split over three temporal layers",
			200_000,
			[]allocTrack{{
				id: "a", desired: 0, maxTemporal: maxTemporal, active: 0b1,
				info: []LayerInfo{{Width: 320, Height: 180, Bitrate: 300_000}},
			}},
			[]allocResult{{alloc: allocation{set: true, layer: 0, temporal: 1}, cost: 180_000, next: 120_000}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := allocate(tc.budget, tc.tracks)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDefaultBitrate(t *testing.T) {
	for _, tc := range []struct {
		w, h uint32
		want uint64
	}{{320, 180, 150_000}, {640, 360, 500_000}, {1280, 720, 1_500_000}, {1920, 1080, 3_000_000}} {
		if got := defaultBitrateFor(tc.w, tc.h); got != tc.want {
			t.Errorf("%dx%d: %d, want %d", tc.w, tc.h, got, tc.want)
		}
	}
}
