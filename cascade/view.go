package cascade

import (
	"strconv"
	"strings"

	"github.com/parley-sfu/parley/sfu"
)

// layerView is one layer of a local track, as a relay sends it: a
// TrackSource whose only active layer is that one, so that the
// down-track a relay session adds for it forwards exactly that layer.
// Its id (the msid track id on the relay) names the track and the layer,
// which is how the destination attaches it to the right relay receiver.
type layerView struct {
	sfu.TrackSource
	layer int8
	id    string
}

const viewSep = "~"

func newLayerView(src sfu.TrackSource, layer int8) *layerView {
	return &layerView{TrackSource: src, layer: layer, id: viewID(src.ID(), layer)}
}

// viewID names layer of track sid on a relay.
func viewID(sid string, layer int8) string {
	return sid + viewSep + strconv.Itoa(int(layer))
}

// parseViewID splits a relay's msid track id into track sid and layer.
func parseViewID(id string) (sid string, layer int8, ok bool) {
	sid, l, found := strings.Cut(id, viewSep)
	if !found || sid == "" || len(l) != 1 || l[0] < '0' || l[0] >= '0'+sfu.MaxLayers {
		return "", 0, false
	}
	return sid, int8(l[0] - '0'), true
}

// ID is the view's id on the relay.
func (v *layerView) ID() string { return v.id }

// ActiveLayers is the view's layer while the origin receives it.
func (v *layerView) ActiveLayers() uint8 { return activeMask(v.TrackSource) & (1 << v.layer) }
