package sfu

// Publishers returns the engine's open publisher PeerConnections, for
// observers that walk them outside the packet path (metrics at scrape
// time). It takes the engine lock briefly and allocates the slice.
func (e *Engine) Publishers() []*Publisher {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Publisher, 0, len(e.peers))
	for p := range e.peers {
		if pub, ok := p.(*Publisher); ok {
			out = append(out, pub)
		}
	}
	return out
}

// Subscribers returns the engine's open subscriber PeerConnections, like
// Publishers.
func (e *Engine) Subscribers() []*Subscriber {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Subscriber, 0, len(e.peers))
	for p := range e.peers {
		if sub, ok := p.(*Subscriber); ok {
			out = append(out, sub)
		}
	}
	return out
}
