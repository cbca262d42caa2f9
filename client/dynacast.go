package client

import (
	"github.com/parley-sfu/parley/proto/parleypb"
)

// Dynacast: the server tells a publisher which simulcast layers of a track
// any subscriber needs (SubscribedQualityUpdate). The SDK stops sending the
// others itself: the packets an application writes into a paused layer are
// dropped before they reach the network. When a layer is needed again its
// packets flow at once, and the SDK asks the application for a keyframe on
// it (LocalTrack.KeyframeRequests), since a decoder can only start there.

// applySubscribedQualities pauses and resumes the track's layers.
func (t *LocalTrack) applySubscribedQualities(qs []*parleypb.SubscribedQuality) {
	if len(t.rids) == 0 {
		return // one layer: nothing to choose between
	}
	t.mu.Lock()
	layers := t.info.GetLayers()
	t.mu.Unlock()
	for _, q := range qs {
		for _, l := range layers {
			if l.GetQuality() != q.GetQuality() {
				continue
			}
			sl, ok := t.stamped[l.GetRid()]
			if !ok {
				continue
			}
			if was := sl.paused.Swap(!q.GetEnabled()); was && q.GetEnabled() {
				select {
				case t.keyframes <- l.GetRid():
				default:
				}
			}
		}
	}
}

// LayerPaused reports whether the server paused the simulcast layer rid
// (dynacast): packets written into it are dropped until it resumes.
func (t *LocalTrack) LayerPaused(rid string) bool {
	sl, ok := t.stamped[rid]
	return ok && rid != "" && sl.paused.Load()
}
