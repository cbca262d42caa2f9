package loadtest

import (
	"math/rand/v2"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// sendLoss is an interceptor that drops a share of the RTP packets a bot
// sends, media and retransmissions alike, as a lossy uplink would: with
// Config.SendLoss the publishers' loss must be repaired by NACK and
// retransmission (RTX or not) through the server, which the report's loss
// and NACK counts then show. It sits nearest the transport, so the NACK
// responder has kept every packet it drops.
type sendLoss struct {
	interceptor.NoOp
	share float64
}

// NewInterceptor makes the dropper its own factory: it has no state.
func (s *sendLoss) NewInterceptor(string) (interceptor.Interceptor, error) { return s, nil }

// BindLocalStream drops packets at random.
func (s *sendLoss) BindLocalStream(_ *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, attrs interceptor.Attributes) (int, error) {
		if rand.Float64() < s.share {
			return len(payload), nil
		}
		return w.Write(h, payload, attrs)
	})
}
