package testutil

import (
	"testing"

	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/internal/natsembed"
	"github.com/parley-sfu/parley/room"
	"github.com/parley-sfu/parley/server"
)

// StartNATS starts an in-process NATS server on a random loopback port and
// stops it when the test ends.
func StartNATS(t testing.TB, opts ...natsembed.Option) *natsembed.Server {
	t.Helper()
	s, err := natsembed.Start("127.0.0.1", 0, opts...)
	if err != nil {
		t.Fatalf("start NATS: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// WithNATS makes a node join the cluster of the NATS server at url, as node
// id (empty for a random id).
func WithNATS(url, id string) func(*server.Config) {
	return func(c *server.Config) {
		c.Cascade.URL = url
		if id != "" {
			c.NodeID = id
		}
	}
}

// WithCascade adjusts the cluster settings of a node (e.g. shorter
// timeouts in tests).
func WithCascade(f func(*cascade.Config)) func(*server.Config) {
	return func(c *server.Config) { f(&c.Cascade) }
}

// StartCluster starts an in-process NATS server and one dev-mode node per
// id, each joined to it (then mutate applies to each), all stopped when
// the test ends.
func StartCluster(t testing.TB, ids []string, mutate ...func(*server.Config)) (*natsembed.Server, []*server.Server) {
	t.Helper()
	nats := StartNATS(t)
	nodes := make([]*server.Server, len(ids))
	for i, id := range ids {
		nodes[i] = StartServer(t, append([]func(*server.Config){WithNATS(nats.URL(), id)}, mutate...)...)
	}
	return nats, nodes
}

// WithRoom adjusts the room settings of a node.
func WithRoom(f func(*room.Config)) func(*server.Config) {
	return func(c *server.Config) { f(&c.Room) }
}
