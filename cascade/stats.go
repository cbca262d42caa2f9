package cascade

import (
	"cmp"
	"slices"
)

// RelayStats counts one layer of one track on a relay: sent by the origin
// (Outbound) or received by the destination.
type RelayStats struct {
	Room     string
	Peer     string // the other node
	Outbound bool
	Track    string
	Layer    int8
	Packets  uint64
	Bytes    uint64
}

// RelayStats lists the layers this node's relays carry now, both ways,
// sorted by room, peer, direction, track and layer.
func (n *Node) RelayStats() []RelayStats {
	out := append(n.out.stats(), n.in.stats()...)
	slices.SortFunc(out, func(a, b RelayStats) int {
		return cmp.Or(
			cmp.Compare(a.Room, b.Room),
			cmp.Compare(a.Peer, b.Peer),
			cmp.Compare(b2i(a.Outbound), b2i(b.Outbound)),
			cmp.Compare(a.Track, b.Track),
			cmp.Compare(a.Layer, b.Layer),
		)
	})
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
