package loadtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/testutil"
)

// TestRunPublishersOnAnotherNode: with a publisher URL the publishers
// join node A and the subscribers node B of a cluster; every track
// reaches the subscribers over the relay, and latency is measured across
// the hop.
func TestRunPublishersOnAnotherNode(t *testing.T) {
	_, nodes := testutil.StartCluster(t, []string{"A", "B"})
	a, b := nodes[0], nodes[1]
	cfg := DefaultConfig()
	cfg.PublisherURL = "grpc://" + a.GRPCAddr()
	cfg.URL = "grpc://" + b.GRPCAddr()
	cfg.MetricsURL = "http://" + b.HTTPAddr() + "/metrics"
	cfg.RoomPrefix = "hop"
	cfg.VideoPublishers, cfg.AudioPublishers, cfg.Subscribers = 1, 1, 2
	cfg.Duration = 3 * time.Second
	cfg.Ramp = 20

	// During the window: who is where, as node B sees the room, and what
	// B's relays received.
	var mu sync.Mutex
	var placement []string
	var relayed uint64
	cfg.WindowStarted = func(ctx context.Context, _ time.Duration) {
		r, ok := b.Rooms().Room(roomName(cfg.RoomPrefix, 0))
		mu.Lock()
		defer mu.Unlock()
		if !ok {
			placement = append(placement, "no room on B")
			return
		}
		for _, p := range r.Participants() {
			placement = append(placement, fmt.Sprintf("%s@%s remote=%v", p.Identity, p.NodeID, p.Remote))
		}
		<-ctx.Done()
		for _, st := range b.Cascade().RelayStats() {
			if !st.Outbound {
				relayed += st.Packets
			}
		}
	}
	rep, err := Run(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	slices.Sort(placement)
	got, gotRelayed := strings.Join(placement, ", "), relayed
	mu.Unlock()
	if want := "pub-0@A remote=true, sub-0@B remote=false, sub-1@B remote=false"; got != want {
		t.Errorf("participants seen by B: %s; want %s", got, want)
	}
	if rep.Config.URL != cfg.URL || rep.Config.PublisherURL != cfg.PublisherURL {
		t.Errorf("report config %+v", rep.Config)
	}
	if rep.Totals.Failed != 0 || rep.Totals.Errors != 0 || rep.Totals.TracksGot != 4 || rep.Totals.TracksExpected != 4 {
		t.Errorf("totals %+v, errors %v: want every track of every subscriber", rep.Totals, rep.Errors)
	}
	for _, s := range rep.Subscribers {
		if s.Packets == 0 || s.LossPercent > 5 || s.Latency.Samples == 0 || s.Latency.P50MS <= 0 {
			t.Errorf("%s received %d packets (%.1f%% loss), latency %+v", s.Bot, s.Packets, s.LossPercent, s.Latency)
		}
	}
	// Each relayed packet reaches both subscribers: B's relays received
	// about half of what the subscribers did.
	if gotRelayed == 0 || gotRelayed*2 < rep.Totals.Packets*9/10 {
		t.Errorf("B's relays received %d packets in all; the subscribers %d in the window", gotRelayed, rep.Totals.Packets)
	}
	if s := rep.Server; s.PacketsOutCounted != "server metrics" || s.PacketsOut < rep.Totals.Packets*9/10 {
		t.Errorf("server figures are not node B's: %+v", s)
	}
}
