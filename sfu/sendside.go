package sfu

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// sendSide is what the down-tracks of one subscriber PeerConnection share:
// the transport-wide numbering with its send history, the bandwidth
// estimator fed by the subscriber's feedback, and a way to wake the
// subscriber's controller (allocator) when something changed.
type sendSide struct {
	clock *clock
	hist  *sendHistory
	bwe   *bandwidthEstimator
	kick  func()

	// rtx limits retransmissions to a share of the estimate: a subscriber
	// losing packets because its link is full would otherwise ask for more
	// than the link can take, and every answer lost would be asked for
	// again (congestion collapse).
	rtxMu     sync.Mutex
	rtxTokens float64 // bytes
	rtxAt     int64
}

// Retransmission budget: a quarter of the estimate, in bursts of 100 ms.
const (
	rtxShare = 0.25
	rtxBurst = 0.1 // seconds
)

// allowRetransmit reports whether a retransmission of size bytes fits the
// budget now, and takes it from the budget if so.
func (s *sendSide) allowRetransmit(size int, now int64) bool {
	rate := float64(s.bwe.estimate.Load()) * rtxShare / 8 // bytes per second
	s.rtxMu.Lock()
	defer s.rtxMu.Unlock()
	s.rtxTokens = min(s.rtxTokens+rate*float64(now-s.rtxAt)/1e9, rate*rtxBurst+packetBufferSize)
	s.rtxAt = now
	if s.rtxTokens < float64(size) {
		return false
	}
	s.rtxTokens -= float64(size)
	return true
}

func newSendSide(c *clock, lim estimatorLimits, kick func()) *sendSide {
	h := newSendHistory(c)
	return &sendSide{clock: c, hist: h, bwe: newBandwidthEstimator(h, c, lim), kick: kick}
}

// senderReportClock remembers which RTP timestamp a down-track sent last and
// when the packet carrying it arrived, so that sender reports can map the
// stream's clock to wall time. One word, written by the owner on every
// packet, read by the controller once a second:
//
//	timestamp(32) | arrival(32: engine clock in 16.4 µs units, mod 2^32)
type senderReportClock struct {
	w atomic.Uint64
}

const reportTimeShift = 14 // 16.4 µs units: 32 bits span 19.5 hours

func (c *senderReportClock) note(ts uint32, arrival int64) {
	c.w.Store(uint64(ts)<<32 | uint64(uint32(arrival>>reportTimeShift)))
}

// at returns the RTP timestamp of the stream at engine time now, given its
// clock rate; false before the first packet.
func (c *senderReportClock) at(now int64, clockRate uint32) (uint32, bool) {
	w := c.w.Load()
	if w == 0 {
		return 0, false
	}
	ago := int64(uint32(now>>reportTimeShift)-uint32(w)) << reportTimeShift
	return uint32(w>>32) + uint32(ago*int64(clockRate)/1e9), true
}

// receptionStats is what the subscriber's receiver reports say about a
// down-track.
type receptionStats struct {
	fractionLost atomic.Uint32 // 1/256
	jitter       atomic.Uint32 // RTP timestamp units
	rtt          atomic.Int64  // ns
}

func (r *receptionStats) snapshot() (float64, uint32, time.Duration) {
	return float64(r.fractionLost.Load()) / 256, r.jitter.Load(), time.Duration(r.rtt.Load())
}

// rtxPayloadType returns the payload type of the RTX codec whose apt names
// pt among the negotiated codecs.
func rtxPayloadType(codecs []webrtc.RTPCodecParameters, pt webrtc.PayloadType) (uint8, bool) {
	for _, c := range codecs {
		if !strings.EqualFold(c.MimeType, webrtc.MimeTypeRTX) {
			continue
		}
		for part := range strings.SplitSeq(c.SDPFmtpLine, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.EqualFold(k, "apt") {
				if n, err := strconv.Atoi(v); err == nil && n == int(pt) {
					return uint8(c.PayloadType), true
				}
			}
		}
	}
	return 0, false
}
