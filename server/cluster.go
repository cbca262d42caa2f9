package server

import (
	"fmt"

	"github.com/parley-sfu/parley/cascade"
)

// joinCluster connects the node to its cluster when NATS is configured.
func (s *Server) joinCluster() error {
	if !s.cfg.Cascade.Enabled() {
		return nil
	}
	node, err := cascade.New(s.cfg.Cascade, cascade.Options{
		NodeID: s.cfg.NodeID,
		Rooms:  s.rooms,
		Engine: s.engine,
		Logger: s.log,
	})
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	s.cluster = node
	return nil
}

// leaveCluster says goodbye to the cluster, after the rooms closed.
func (s *Server) leaveCluster() {
	if s.cluster != nil {
		_ = s.cluster.Close()
	}
}

// Cascade returns the node's cluster membership, nil for a single node.
func (s *Server) Cascade() *cascade.Node { return s.cluster }
