package sfu

import "github.com/pion/webrtc/v4"

// Priority orders a subscriber's video tracks when its bandwidth is short:
// higher priorities get their layers first and are paused last.
type Priority uint8

// Priorities, lowest first.
const (
	PriorityNormal  Priority = iota
	PrioritySpeaker          // the camera of an active speaker
	PriorityScreen           // a screen share
)

// allocation is the bandwidth allocator's decision for a video down-track.
type allocation struct {
	set      bool // false: no bandwidth limit applies
	layer    int8 // highest spatial layer allowed; LayerNone: paused
	temporal int8 // highest temporal layer allowed
}

// SetPreferences changes what the subscriber's tile needs; the forwarding
// path picks the new target up at its next packet and switches at the next
// keyframe of the new layer.
func (d *DownTrack) SetPreferences(p Preferences) {
	d.ctrlMu.Lock()
	d.prefs = p
	d.retargetLocked()
	d.ctrlMu.Unlock()
	d.kickAllocator()
}

// Preferences returns the current preferences.
func (d *DownTrack) Preferences() Preferences {
	d.ctrlMu.Lock()
	defer d.ctrlMu.Unlock()
	return d.prefs
}

// SetPriority sets the track's priority in its subscriber's bandwidth
// allocation (the room raises an active speaker's camera).
func (d *DownTrack) SetPriority(p Priority) {
	if Priority(d.priority.Swap(uint32(p))) != p {
		d.kickAllocator()
	}
}

// Priority returns the track's priority.
func (d *DownTrack) Priority() Priority { return Priority(d.priority.Load()) }

// retarget re-evaluates the target layer (the source's layers changed).
func (d *DownTrack) retarget() {
	d.ctrlMu.Lock()
	d.retargetLocked()
	d.ctrlMu.Unlock()
	d.kickAllocator()
}

// setAllocation applies the allocator's decision.
func (d *DownTrack) setAllocation(a allocation, pausedLayer int8) {
	d.ctrlMu.Lock()
	defer d.ctrlMu.Unlock()
	if a.set && a.layer == LayerNone {
		d.pausedLayer.Store(int32(pausedLayer))
	} else {
		d.pausedLayer.Store(-1)
	}
	if a == d.alloc {
		return
	}
	d.alloc = a
	d.retargetLocked()
}

// retargetLocked derives the target layers from the preferences, the
// allocation and the layers being received.
func (d *DownTrack) retargetLocked() {
	layers := d.src.Layers()
	active := activeLayers(d.src, len(layers))
	desired := desiredLayer(d.prefs, layers)
	if d.closed.Load() {
		desired = LayerNone
	}
	want := desired
	if d.alloc.set {
		want = min(want, d.alloc.layer)
	}
	t := pickActive(want, active)
	temporal := maxTemporal
	if t != LayerNone && d.kind == webrtc.RTPCodecTypeVideo {
		temporal = temporalFor(d.prefs.FPS, layerFPS(d.src, t))
		if d.alloc.set {
			temporal = min(temporal, d.alloc.temporal)
		}
	}
	d.temporal.Store(int32(temporal))
	if old := int8(d.desired.Swap(int32(desired))); old != desired {
		if l, ok := d.src.(subscriptionListener); ok {
			l.subscriptionChanged()
		}
	}
	old := int8(d.target.Swap(int32(t)))
	switch {
	case t == LayerNone:
		d.own.drop()
	case t != old && t != d.own.owner() && d.live.Load():
		d.src.RequestKeyframe(t)
	}
}

// DesiredLayer returns the layer the subscriber's preferences ask for,
// received or not (LayerNone when paused): what dynacast keeps the
// publisher sending.
func (d *DownTrack) DesiredLayer() int8 { return int8(d.desired.Load()) }

// kickAllocator asks the subscriber's allocator to run soon.
func (d *DownTrack) kickAllocator() {
	if d.tx != nil && d.tx.kick != nil {
		d.tx.kick()
	}
}

// subscriptionListener is implemented by sources that track which layers
// their down-tracks want (dynacast).
type subscriptionListener interface {
	subscriptionChanged()
}

// PauseReason says why a down-track forwards nothing.
type PauseReason uint8

// Pause reasons.
const (
	PauseNone       PauseReason = iota
	PauseBandwidth              // the subscriber's bandwidth does not fit the track
	PauseSubscriber             // the subscriber asked for it
	PausePublisher              // the publisher sends nothing (muted, stopped)
)

// StreamState is what a subscriber is told about one of its video tracks.
type StreamState struct {
	TrackID string
	// Publisher is the source's stream id (the publisher's participant).
	Publisher string
	Paused    bool
	Reason    PauseReason
	// Layer is the layer forwarded (LayerNone when paused) and Quality its
	// rank among Layers.
	Layer   int8
	Quality Quality
	Layers  int
}

// StreamState returns the down-track's state. While it switches on (a
// target but no keyframe yet) it reports the target layer.
func (d *DownTrack) StreamState() StreamState {
	d.ctrlMu.Lock()
	prefs, alloc := d.prefs, d.alloc
	d.ctrlMu.Unlock()
	n := max(len(d.src.Layers()), 1)
	st := StreamState{TrackID: d.ID(), Publisher: d.StreamID(), Layers: n, Layer: LayerNone}
	switch target := d.TargetLayer(); {
	case prefs.Paused || prefs.Quality == QualityOff:
		st.Paused, st.Reason = true, PauseSubscriber
	case alloc.set && alloc.layer == LayerNone:
		st.Paused, st.Reason = true, PauseBandwidth
	case target == LayerNone:
		st.Paused, st.Reason = true, PausePublisher
	default:
		st.Layer = d.CurrentLayer()
		if st.Layer == LayerNone {
			st.Layer = target
		}
	}
	st.Quality = QualityOfLayer(st.Layer, n)
	return st
}
