package cascade

// BreakRelayLinks closes the PeerConnection of every relay link that
// brings media to this node, as a failed transport would, leaving the rest
// of the node to notice and recover.
func (n *Node) BreakRelayLinks() {
	n.in.mu.Lock()
	links := make([]*inLink, 0, len(n.in.links))
	for _, l := range n.in.links {
		links = append(links, l)
	}
	n.in.mu.Unlock()
	for _, l := range links {
		_ = l.pub.Close()
	}
}

// RelaySessions lists the ids of this node's relay links (destination
// side).
func (n *Node) RelaySessions() []string {
	n.in.mu.Lock()
	defer n.in.mu.Unlock()
	var out []string
	for id := range n.in.sessions {
		out = append(out, id)
	}
	return out
}
