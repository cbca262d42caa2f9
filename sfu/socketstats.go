package sfu

// SocketStats is what the kernel says about one socket of the media port.
type SocketStats struct {
	// Addr is the socket's local address.
	Addr string
	// ReceiveBuffer and SendBuffer are the buffer sizes in bytes as the
	// kernel reports them (Linux doubles what was asked, for its own
	// bookkeeping, after capping it at net.core.rmem_max / wmem_max).
	ReceiveBuffer, SendBuffer int
	// Drops counts datagrams the kernel dropped on arrival, mostly for a
	// full receive buffer; HaveDrops is false where it does not tell.
	Drops     uint64
	HaveDrops bool
	// SendBatches counts the sendmmsg calls of the socket's send queue and
	// BatchedDatagrams the datagrams they sent (Config.SendQueue).
	SendBatches, BatchedDatagrams uint64
	// QueueOverflows counts datagrams sent on their own because the send
	// queue was full; SendRefused those the kernel refused from a batch
	// and SendBufferFull those dropped from one for want of socket buffer
	// space.
	QueueOverflows, SendRefused, SendBufferFull uint64
}

// socketStatser is implemented by media sockets that can ask the kernel
// (the raw socket on Linux).
type socketStatser interface {
	socketStats() (SocketStats, bool)
}

// MediaSockets describes the sockets of the media port (none on a
// virtual network). It makes system calls: for metrics scrapes, not the
// packet path.
func (e *Engine) MediaSockets() []SocketStats {
	var out []SocketStats
	for _, c := range e.socks {
		if s, ok := c.(socketStatser); ok {
			if st, ok := s.socketStats(); ok {
				out = append(out, st)
			}
		}
	}
	return out
}

// checkSocketBuffers warns when the kernel granted the media sockets less
// buffer than configured: under load the default drops packets before
// the SFU sees them.
func (e *Engine) checkSocketBuffers() {
	want := e.cfg.SocketBuffer
	if want <= 0 {
		return
	}
	for _, st := range e.MediaSockets() {
		// Linux reports twice the size it granted.
		if st.ReceiveBuffer/2 < want || st.SendBuffer/2 < want {
			e.logger.Warn("media socket buffers smaller than configured: raise net.core.rmem_max and wmem_max (sysctl) or run with CAP_NET_ADMIN",
				"addr", st.Addr, "want", want, "receive", st.ReceiveBuffer/2, "send", st.SendBuffer/2)
			return
		}
	}
}
