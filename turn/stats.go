package turn

import "sync/atomic"

// Stats are the server's counters since it started.
type Stats struct {
	// Allocations is the number of live allocations.
	Allocations int64
	// AuthRejected counts requests answered 401 for wrong, malformed or
	// expired credentials.
	AuthRejected uint64
	// QuotaRejected counts allocations refused by the per-user cap (486);
	// CapacityRejected those refused by the total cap (508).
	QuotaRejected    uint64
	CapacityRejected uint64
	// PermissionsRefused counts CreatePermission/ChannelBind peers refused
	// by the relay policy (403).
	PermissionsRefused uint64
	// PeerPacketsDropped counts relayed packets to or from a peer the
	// policy forbids; ThrottledPackets those over the bandwidth cap.
	PeerPacketsDropped uint64
	ThrottledPackets   uint64
}

// counters are the live form of Stats.
type counters struct {
	allocations        atomic.Int64
	authRejected       atomic.Uint64
	quotaRejected      atomic.Uint64
	capacityRejected   atomic.Uint64
	permissionsRefused atomic.Uint64
	peerPacketsDropped atomic.Uint64
	throttledPackets   atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Allocations:        c.allocations.Load(),
		AuthRejected:       c.authRejected.Load(),
		QuotaRejected:      c.quotaRejected.Load(),
		CapacityRejected:   c.capacityRejected.Load(),
		PermissionsRefused: c.permissionsRefused.Load(),
		PeerPacketsDropped: c.peerPacketsDropped.Load(),
		ThrottledPackets:   c.throttledPackets.Load(),
	}
}
