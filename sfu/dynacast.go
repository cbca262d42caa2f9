package sfu

import "sync/atomic"

// dynacastDelay is how long a simulcast layer must be unneeded before the
// publisher is told to stop sending it. Turning a layer off and on again
// costs the publisher a keyframe and a subscriber a wait, so brief changes
// (a tile resized back and forth, a subscriber rejoining) do not reach the
// publisher; turning a layer on is never delayed.
const dynacastDelay = 3e9

// dynacast decides which simulcast layers of a receiver anyone needs: the
// layers up to the highest one any down-track's preferences ask for (not
// capped by the subscriber's bandwidth: a subscriber that recovers must
// find its layer there). Lower layers stay on: they are cheap and they are
// where a subscriber whose bandwidth drops goes at once.
//
// Down-tracks mark it dirty from the control path; the publisher's monitor
// evaluates it and calls the publisher's callback, so the callback never
// runs under a room or down-track lock.
type dynacast struct {
	enabled bool
	notify  func(layers uint8)
	dirty   atomic.Bool
	kick    func()

	// monitor-owned
	mask         uint8 // what the publisher was last told (all at start)
	pending      uint8
	pendingSince int64
}

// subscriptionChanged is called when a down-track's desired layer changed
// or a down-track came or went.
func (d *dynacast) subscriptionChanged() {
	if !d.enabled {
		return
	}
	d.dirty.Store(true)
	if d.kick != nil {
		d.kick()
	}
}

// wanted computes the layer mask the down-tracks need.
func (d *dynacast) wanted(r *Receiver) uint8 {
	top := LayerNone
	for _, dt := range *r.downTracks.Load() {
		top = max(top, dt.DesiredLayer())
	}
	if top == LayerNone {
		return 0
	}
	return uint8(1)<<(top+1) - 1
}

// evaluate runs on the monitor: layers turn on at once and off after
// dynacastDelay.
func (d *dynacast) evaluate(r *Receiver, now int64) {
	if !d.enabled {
		return
	}
	if d.dirty.Swap(false) || d.pending != d.mask {
		want := d.wanted(r)
		switch {
		case want == d.mask:
			d.pending = want
			return
		case want&^d.mask != 0: // a layer more: at once
			d.pending = want
		case want != d.pending:
			d.pending, d.pendingSince = want, now
			return
		case now-d.pendingSince < dynacastDelay:
			return
		}
		d.mask = d.pending
		r.dynMask.Store(uint32(d.mask))
		if d.notify != nil {
			d.notify(d.mask)
		}
	}
}

// SubscribedLayers returns the layers the publisher was last told to send
// (bit i for layer i).
func (r *Receiver) SubscribedLayers() uint8 { return uint8(r.dynMask.Load()) }

// subscriptionChanged implements subscriptionListener.
func (r *Receiver) subscriptionChanged() { r.dyn.subscriptionChanged() }
