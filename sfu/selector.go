package sfu

// Preferences is what a subscriber's tile needs from a track.
type Preferences struct {
	// Width and Height of the tile in pixels; zero means "as large as
	// available".
	Width, Height uint32
	// FPS is the frame rate the tile needs; zero means any. (Used for
	// temporal layers later.)
	FPS uint32
	// Paused stops forwarding entirely.
	Paused bool
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

// layerSelector chooses the layer a down-track forwards. At this level it
// looks only at the subscriber's preferences and the layers on offer;
// bandwidth caps and the allocator will narrow its choice.
type layerSelector struct{}

// selectLayer returns the smallest active layer at least as wide or as high
// as preferred, else the highest active layer; LayerNone when paused or
// when nothing is received.
func (layerSelector) selectLayer(p Preferences, layers []LayerInfo, active uint8) int8 {
	if p.Paused || active == 0 {
		return LayerNone
	}
	highest := LayerNone
	for i := MaxLayers - 1; i >= 0; i-- {
		if active&(1<<i) != 0 {
			highest = int8(i)
			break
		}
	}
	if p.Width == 0 && p.Height == 0 {
		return highest
	}
	for i, l := range layers {
		if i >= MaxLayers || active&(1<<i) == 0 || (l.Width == 0 && l.Height == 0) {
			continue
		}
		if (p.Width != 0 && l.Width >= p.Width) || (p.Height != 0 && l.Height >= p.Height) {
			return int8(i)
		}
	}
	return highest
}
