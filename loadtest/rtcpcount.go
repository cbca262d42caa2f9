package loadtest

import (
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// rtcpCounter is an interceptor that counts the feedback one bot's
// PeerConnections send and receive: NACKed sequence numbers and keyframe
// requests (PLI, FIR). Incoming feedback is counted per media SSRC, so a
// publisher can tell its layers apart. RTCP is a few packets a second,
// so a mutex is fine here.
type rtcpCounter struct {
	interceptor.NoOp

	nacksSent atomic.Uint64 // sequence numbers asked for
	plisSent  atomic.Uint64

	mu       sync.Mutex
	received map[uint32]*feedbackCount // by media SSRC
}

// feedbackCount is the feedback received for one SSRC.
type feedbackCount struct {
	NACKs uint64 // sequence numbers asked for
	PLIs  uint64 // PLI and FIR
}

func newRTCPCounter() *rtcpCounter {
	return &rtcpCounter{received: map[uint32]*feedbackCount{}}
}

// NewInterceptor makes the counter its own factory: both PeerConnections
// of a bot count into it.
func (c *rtcpCounter) NewInterceptor(string) (interceptor.Interceptor, error) { return c, nil }

// BindRTCPWriter counts outgoing feedback.
func (c *rtcpCounter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, attrs interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				c.nacksSent.Add(nackCount(p))
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				c.plisSent.Add(1)
			}
		}
		return w.Write(pkts, attrs)
	})
}

// BindRTCPReader counts incoming feedback by media SSRC.
func (c *rtcpCounter) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, attrs interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attrs, err := r.Read(b, attrs)
		if err != nil {
			return n, attrs, err
		}
		if attrs == nil {
			attrs = interceptor.Attributes{}
		}
		pkts, perr := attrs.GetRTCPPackets(b[:n])
		if perr != nil {
			return n, attrs, nil
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				c.count(p.MediaSSRC, func(f *feedbackCount) { f.NACKs += nackCount(p) })
			case *rtcp.PictureLossIndication:
				c.count(p.MediaSSRC, func(f *feedbackCount) { f.PLIs++ })
			case *rtcp.FullIntraRequest:
				for _, e := range p.FIR {
					c.count(e.SSRC, func(f *feedbackCount) { f.PLIs++ })
				}
			}
		}
		return n, attrs, nil
	})
}

func (c *rtcpCounter) count(ssrc uint32, add func(*feedbackCount)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.received[ssrc]
	if f == nil {
		f = &feedbackCount{}
		c.received[ssrc] = f
	}
	add(f)
}

// receivedFor returns the feedback received for an SSRC.
func (c *rtcpCounter) receivedFor(ssrc uint32) feedbackCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.received[ssrc]; f != nil {
		return *f
	}
	return feedbackCount{}
}

// nackCount is the number of sequence numbers a NACK asks for.
func nackCount(p *rtcp.TransportLayerNack) uint64 {
	var n uint64
	for _, pair := range p.Nacks {
		n += uint64(len(pair.PacketList()))
	}
	return n
}
