package sfu

import (
	"math/bits"
	"time"
)

// A browser stops sending its upper simulcast layers when its bandwidth
// estimate drops (and starts them only as it ramps up). A down-track that
// targets such a layer would wait for its next keyframe forever: the
// subscriber's video freezes. So a layer that has been silent for
// layerStallAfter while another layer of the track still flows counts as
// inactive, and the down-tracks retarget to what flows; its next packet
// makes it active again.
const (
	layerStallAfter = int64(time.Second)
	stallCheckEvery = int64(250 * time.Millisecond)
)

// noteArrival runs on the layer's reader for every packet: it marks the
// layer active (on its first packet, or when it resumes) and now and then
// looks for layers that went silent. No lock, no allocation.
func (l *receiverLayer) noteArrival(now int64) {
	l.lastArrival.Store(now)
	r := l.r
	if r.active.Load()&(1<<l.index) == 0 {
		r.layerActive(l.index, true)
	}
	last := r.lastStallCheck.Load()
	if now-last < stallCheckEvery || !r.lastStallCheck.CompareAndSwap(last, now) {
		return
	}
	r.deactivateStalled(now)
}

// deactivateStalled marks inactive the layers that have been silent for
// layerStallAfter. It runs only when some layer of the track flows, so a
// publisher that stops altogether keeps its layers (nothing to fall back
// to).
func (r *Receiver) deactivateStalled(now int64) {
	active := r.active.Load()
	if bits.OnesCount32(active) < 2 {
		return
	}
	for i := range r.layers {
		l := r.layers[i].Load()
		if l == nil || active&(1<<i) == 0 {
			continue
		}
		if now-l.lastArrival.Load() > layerStallAfter {
			r.layerActive(int8(i), false)
		}
	}
}
