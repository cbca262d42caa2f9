package sfu

import (
	"runtime"
	"sync/atomic"
)

// ownership decides which layer reader may write a down-track's munging
// state and send on it, without a lock on the packet path.
//
// One atomic word holds the owner layer and a busy bit. The owner's reader
// marks the word busy (a CAS that only succeeds while it still owns the
// track and nobody else is busy), writes its packet, and clears busy. A
// reader taking over at a keyframe waits until busy is clear and CASes
// itself in as the busy owner, so it never overlaps the previous owner's
// write. The owner never waits; a taker waits at most for one packet write
// of the old owner, and only during a switch. Because every hand-off passes
// through the word (a release Store and an acquiring CAS), the munging state
// needs no other synchronization.
//
// Putting the busy bit in the same word as the owner (rather than one flag
// per reader) rules out the lost-flag and two-takers-waiting-on-each-other
// cases a separate flag would have to handle.
type ownership struct {
	w atomic.Uint32
}

const ownBusy = 0x100

func ownWord(layer int8) uint32 { return uint32(uint8(layer + 1)) }

func ownerOf(w uint32) int8 { return int8(uint8(w)) - 1 }

// owner returns the layer being forwarded, or LayerNone.
func (o *ownership) owner() int8 { return ownerOf(o.w.Load()) }

// enter marks layer busy if it owns the track; the caller must exit.
func (o *ownership) enter(layer int8) bool {
	idle := ownWord(layer)
	return o.w.Load() == idle && o.w.CompareAndSwap(idle, idle|ownBusy)
}

// exit ends a write that enter or take began.
func (o *ownership) exit(layer int8) { o.w.Store(ownWord(layer)) }

// leave ends a write and gives the track up: nothing is forwarded until a
// reader takes it.
func (o *ownership) leave() { o.w.Store(ownWord(LayerNone)) }

// take makes layer the busy owner, waiting while another owner writes, and
// returns the previous owner. The caller must exit or leave.
func (o *ownership) take(layer int8) int8 {
	for {
		w := o.w.Load()
		if w&ownBusy != 0 {
			runtime.Gosched()
			continue
		}
		if o.w.CompareAndSwap(w, ownWord(layer)|ownBusy) {
			return ownerOf(w)
		}
	}
}

// drop gives the track up from the control path if its owner is not
// writing; otherwise the owner gives it up at its next packet.
func (o *ownership) drop() {
	w := o.w.Load()
	if w&ownBusy == 0 {
		o.w.CompareAndSwap(w, ownWord(LayerNone))
	}
}
