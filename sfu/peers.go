package sfu

// Publishers returns the engine's open publisher PeerConnections, for
// observers that walk them outside the packet path (metrics at scrape
// time). It takes the engine lock briefly and allocates the slice.
func (e *Engine) Publishers() []*Publisher { return openPeers[*Publisher](e) }

// Subscribers returns the engine's open subscriber PeerConnections, like
// Publishers.
func (e *Engine) Subscribers() []*Subscriber { return openPeers[*Subscriber](e) }

// openPeers returns the open peers of one type.
func openPeers[T any](e *Engine) []T {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]T, 0, len(e.peers))
	for p := range e.peers {
		if t, ok := p.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
