package sfu

// Preferences is what a subscriber's tile needs from a track.
type Preferences struct {
	// Width and Height of the tile in pixels; zero means "as large as
	// available".
	Width, Height uint32
	// FPS is the frame rate the tile needs; zero means all. Below the
	// layer's rate, VP8 temporal layers above what it needs are dropped.
	FPS uint32
	// Paused stops forwarding entirely.
	Paused bool
	// Quality, when not QualityAuto, picks the layer instead of Width and
	// Height; QualityOff pauses like Paused.
	Quality Quality
}

// Quality names a simulcast layer by its rank: the top layer is
// QualityHigh, the one below QualityMedium, the one below that QualityLow
// (a two-layer track has Medium and High).
type Quality uint8

// Qualities.
const (
	QualityAuto Quality = iota
	QualityLow
	QualityMedium
	QualityHigh
	QualityOff
)

// QualityOfLayer returns the quality of layer i of n layers, QualityOff
// for LayerNone or an index out of range.
func QualityOfLayer(i int8, n int) Quality {
	n = min(max(n, 1), MaxLayers)
	if i < 0 || int(i) >= n {
		return QualityOff
	}
	return QualityLow + Quality(MaxLayers-n+int(i))
}

// layer returns the index of the layer of quality q among n layers (the
// nearest one when the track has fewer layers); LayerNone for QualityOff.
func (q Quality) layer(n int) int8 {
	n = min(max(n, 1), MaxLayers)
	switch q {
	case QualityOff:
		return LayerNone
	case QualityAuto:
		return int8(n - 1)
	}
	i := int(q-QualityLow) - (MaxLayers - n)
	return int8(min(max(i, 0), n-1))
}

// layerActivity is implemented by sources that know which of their layers
// are being received ([Receiver]); a source without it is assumed to have
// all its layers.
type layerActivity interface {
	// ActiveLayers is a bitmask of the layers received, bit i for layer i.
	ActiveLayers() uint8
}

// activeLayers returns the source's active layer mask.
func activeLayers(src TrackSource, n int) uint8 {
	if a, ok := src.(layerActivity); ok {
		return a.ActiveLayers()
	}
	n = min(max(n, 1), MaxLayers)
	return uint8(1)<<n - 1
}

// desiredLayer returns the layer the preferences ask for, whether or not it
// is being received: the smallest layer at least as wide or as high as the
// tile, else the top layer; LayerNone when paused. This is what dynacast
// keeps the publisher sending.
func desiredLayer(p Preferences, layers []LayerInfo) int8 {
	n := min(max(len(layers), 1), MaxLayers)
	if p.Paused || p.Quality == QualityOff {
		return LayerNone
	}
	if p.Quality != QualityAuto {
		return p.Quality.layer(n)
	}
	if p.Width == 0 && p.Height == 0 {
		return int8(n - 1)
	}
	for i, l := range layers {
		if i >= MaxLayers || (l.Width == 0 && l.Height == 0) {
			continue
		}
		if (p.Width != 0 && l.Width >= p.Width) || (p.Height != 0 && l.Height >= p.Height) {
			return int8(i)
		}
	}
	return int8(n - 1)
}

// pickActive returns the highest active layer at most want, else the
// lowest active layer above it, else LayerNone.
func pickActive(want int8, active uint8) int8 {
	if want == LayerNone || active == 0 {
		return LayerNone
	}
	for i := min(want, MaxLayers-1); i >= 0; i-- {
		if active&(1<<i) != 0 {
			return i
		}
	}
	for i := want + 1; i < MaxLayers; i++ {
		if active&(1<<i) != 0 {
			return i
		}
	}
	return LayerNone
}

// selectLayer is the layer to forward for preferences alone: the desired
// layer when received, else the nearest received one (below first).
func selectLayer(p Preferences, layers []LayerInfo, active uint8) int8 {
	return pickActive(desiredLayer(p, layers), active)
}

// maxTemporal means "every temporal layer".
const maxTemporal int8 = 3

// temporalFor returns the highest temporal layer a tile asking for fps
// frames a second needs, given the frame rate of each temporal layer of
// the forwarded spatial layer (fps[t] counts frames of TID t alone; all
// zero when unknown, then the usual 3-layer split of 30 fps is assumed).
func temporalFor(want uint32, fps [4]float32) int8 {
	if want == 0 {
		return maxTemporal
	}
	total := fps[0] + fps[1] + fps[2] + fps[3]
	if total == 0 {
		fps = [4]float32{7.5, 7.5, 15, 0}
	}
	sum := float32(0)
	for t := range fps {
		sum += fps[t]
		// A tenth of slack: 28 fps measured serves a 30 fps tile.
		if sum >= 0.9*float32(want) {
			return int8(t)
		}
	}
	return maxTemporal
}
