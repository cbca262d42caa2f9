package sfu

import (
	"cmp"
	"slices"
)

// Allocation hysteresis: a track keeps what it has while it fits
// keepHeadroom of the budget, but goes up (or resumes) only into
// upHeadroom of it, and not within upgradeHold of having been cut down.
// That leaves a band in which a fluctuating estimate moves nothing: GCC's
// decrease to 85% of the acknowledged rate after a brief overuse (a probe,
// a keyframe) must not pause a track whose current layer was just fine.
const (
	upHeadroom   = 0.85
	keepHeadroom = 1.15
	upgradeHold  = 4e9
)

// defaultLayerBitrate is the bitrate (bits per second) of layer s of a
// track whose layers are neither measured nor described.
func defaultLayerBitrate(s int8) uint64 {
	switch s {
	case 0:
		return 150_000
	case 1:
		return 500_000
	}
	return 1_500_000
}

// temporalShare is the share of a layer's bitrate its temporal layers
// 0..t carry with libwebrtc's three-layer VP8 pattern.
func temporalShare(t int8) float64 {
	switch t {
	case 0:
		return 0.4
	case 1:
		return 0.6
	}
	return 1
}

// allocTrack is one video down-track as the allocator sees it.
type allocTrack struct {
	id       string
	priority Priority
	// desired is the layer the preferences ask for; LayerNone: paused by
	// the subscriber (nothing to allocate).
	desired     int8
	maxTemporal int8 // from the frame rate preference
	active      uint8
	rates       [MaxLayers]LayerRates
	info        []LayerInfo
	// current is the previous decision; held forbids going above it.
	current allocation
	held    bool
}

// allocOption is one way to forward a track and what it costs.
type allocOption struct {
	layer, temporal int8
	cost            uint64
}

// allocResult is the decision for one track.
type allocResult struct {
	alloc allocation
	cost  uint64
	// next is what the next step up would add, 0 when the track has all
	// it wants (or is held): what a probe would have to make room for.
	next uint64
}

// options lists the track's choices, cheapest (lowest layer, lowest
// temporal layer) first: the received layers up to the desired one (or
// the lowest received one above it, when none below is), each at every
// temporal layer up to what the frame rate preference needs.
func (t *allocTrack) options(buf []allocOption) []allocOption {
	out := buf[:0]
	if t.desired == LayerNone || t.active == 0 {
		return out
	}
	layers := make([]int8, 0, MaxLayers)
	for s := int8(0); s <= min(t.desired, MaxLayers-1); s++ {
		if t.active&(1<<s) != 0 {
			layers = append(layers, s)
		}
	}
	if len(layers) == 0 {
		if s := pickActive(t.desired, t.active); s != LayerNone {
			layers = append(layers, s)
		}
	}
	for _, s := range layers {
		r := t.rates[s]
		temporals := r.Temporal()
		if r.Upto(3) == 0 {
			temporals = 3 // not measured: assume the usual pattern
		}
		for tl := int8(0); tl < temporals && tl <= t.maxTemporal; tl++ {
			top := tl
			if tl == temporals-1 {
				top = maxTemporal // the top temporal layer: everything
			}
			out = append(out, allocOption{layer: s, temporal: top, cost: t.cost(s, tl)})
		}
	}
	return out
}

// cost is the bitrate of layer s with temporal layers 0..tl: measured, or
// else announced, or else a default for the layer's height.
func (t *allocTrack) cost(s, tl int8) uint64 {
	if r := t.rates[s]; r.Upto(3) > 0 {
		if r.Temporal() == 1 {
			return uint64(r.Upto(3))
		}
		return uint64(r.Upto(tl))
	}
	base := defaultLayerBitrate(s)
	if int(s) < len(t.info) {
		switch l := t.info[s]; {
		case l.Bitrate > 0:
			base = uint64(l.Bitrate)
		case l.Height > 0:
			base = defaultBitrateFor(l.Width, l.Height)
		}
	}
	return uint64(float64(base) * temporalShare(tl))
}

// defaultBitrateFor guesses a VP8 bitrate for a resolution at 30 fps.
func defaultBitrateFor(w, h uint32) uint64 {
	px := uint64(w) * uint64(h)
	switch {
	case px <= 320*180:
		return 150_000
	case px <= 640*360:
		return 500_000
	case px <= 960*540:
		return 900_000
	case px <= 1280*720:
		return 1_500_000
	default:
		return 3_000_000
	}
}

// allocate splits budget (bits per second for video) over tracks: every
// track first gets its cheapest option in priority order, then the
// highest priority group is raised step by step (round robin within the
// group) before the next group gets anything more. Tracks that do not fit
// even their cheapest option are paused.
func allocate(budget uint64, tracks []allocTrack) []allocResult {
	order := make([]int, len(tracks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(tracks[b].priority, tracks[a].priority); c != 0 {
			return c
		}
		return cmp.Compare(tracks[a].id, tracks[b].id)
	})
	opts := make([][]allocOption, len(tracks))
	level := make([]int, len(tracks))
	curLevel := make([]int, len(tracks)) // index of the current decision among the options
	for i := range tracks {
		opts[i] = tracks[i].options(nil)
		level[i] = -1
		curLevel[i] = currentLevel(tracks[i].current, opts[i])
	}
	used := uint64(0)
	// fits reports whether track i may step up to level l.
	fits := func(i, l int) bool {
		add := opts[i][l].cost
		if level[i] >= 0 {
			add -= min(add, opts[i][level[i]].cost)
		}
		if l <= curLevel[i] {
			return float64(used+add) <= keepHeadroom*float64(budget)
		}
		if tracks[i].held {
			return false
		}
		return float64(used+add) <= upHeadroom*float64(budget)
	}
	step := func(i int) bool {
		l := level[i] + 1
		if l >= len(opts[i]) || !fits(i, l) {
			return false
		}
		if level[i] >= 0 {
			used -= opts[i][level[i]].cost
		}
		used += opts[i][l].cost
		level[i] = l
		return true
	}
	for _, i := range order {
		step(i)
	}
	for g := 0; g < len(order); {
		end := g
		for end < len(order) && tracks[order[end]].priority == tracks[order[g]].priority {
			end++
		}
		for changed := true; changed; {
			changed = false
			for _, i := range order[g:end] {
				if level[i] >= 0 && step(i) {
					changed = true
				}
			}
		}
		g = end
	}
	out := make([]allocResult, len(tracks))
	for i := range tracks {
		out[i] = result(tracks[i], opts[i], level[i])
	}
	return out
}

// currentLevel finds the option matching a previous decision: -1 when it
// was a pause or no decision, the highest option within it otherwise.
func currentLevel(a allocation, opts []allocOption) int {
	if !a.set {
		return len(opts) - 1 // no limit so far: keeping everything is no upgrade
	}
	if a.layer == LayerNone {
		return -1
	}
	l := -1
	for i, o := range opts {
		if o.layer < a.layer || (o.layer == a.layer && o.temporal <= a.temporal) {
			l = i
		}
	}
	return l
}

func result(t allocTrack, opts []allocOption, level int) allocResult {
	switch {
	case len(opts) == 0:
		return allocResult{} // nothing to forward: no limit to set
	case level < 0:
		r := allocResult{alloc: allocation{set: true, layer: LayerNone}}
		if !t.held {
			r.next = opts[0].cost
		}
		return r
	}
	r := allocResult{
		alloc: allocation{set: true, layer: opts[level].layer, temporal: opts[level].temporal},
		cost:  opts[level].cost,
	}
	if level+1 < len(opts) && !t.held {
		r.next = opts[level+1].cost - min(opts[level+1].cost, opts[level].cost)
	}
	return r
}
