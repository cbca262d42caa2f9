package sfu

// Probe results (libwebrtc's probe bitrate estimator): a cluster succeeds
// when most of its packets arrived, and its rate is the lower of the rates
// at which it was sent and received; a receive rate well below the send
// rate means the path saturated, and then the receive rate is the answer.
const (
	probeMinPackets  = 5
	probeMinReceived = 0.8
	probeSaturation  = 0.9
	probeUtilization = 0.95
	probeMinDuration = 2e6 // ns; shorter spans give no rate
)

// probeCluster accumulates what the feedback says about the packets of
// one probe: every packet (media and padding) sent while it ran.
type probeCluster struct {
	active   bool
	closed   bool // the prober sent its last packet
	first    uint16
	last     uint16
	target   float64
	deadline int64

	sent, received        int
	bytesSent, bytesRecv  int
	firstSend, lastSend   int64
	firstArriv, lastArriv int64
	firstRecvSize         int
	lastSendSize          int
	haveSend, haveRecv    bool

	result   float64 // bits per second; 0: failed
	reported bool    // a result waits for probeOutcome
}

// contains reports whether seq belongs to the cluster.
func (c *probeCluster) contains(seq uint16) bool {
	if !c.active || seqBefore(seq, c.first) {
		return false
	}
	return !c.closed || !seqBefore(c.last, seq)
}

func (c *probeCluster) add(seq uint16, info sentInfo, received bool, arrival int64) {
	if !c.contains(seq) {
		return
	}
	c.sent++
	c.bytesSent += info.Size
	if !c.haveSend || info.At < c.firstSend {
		c.firstSend = info.At
	}
	if !c.haveSend || info.At >= c.lastSend {
		c.lastSend, c.lastSendSize = info.At, info.Size
	}
	c.haveSend = true
	if !received {
		return
	}
	c.received++
	c.bytesRecv += info.Size
	if !c.haveRecv || arrival < c.firstArriv {
		c.firstArriv, c.firstRecvSize = arrival, info.Size
	}
	if !c.haveRecv || arrival > c.lastArriv {
		c.lastArriv = arrival
	}
	c.haveRecv = true
}

// finish computes the result once the feedback covered the whole closed
// cluster (newest is the newest sequence number reported) or its deadline
// passed. It returns the rate and whether the cluster finished now.
func (c *probeCluster) finish(newest uint16, now int64) (float64, bool) {
	if !c.active || !c.closed {
		return 0, false
	}
	if seqBefore(newest, c.last) && now < c.deadline {
		return 0, false
	}
	c.active = false
	c.result = c.rate()
	c.reported = true
	return c.result, true
}

func (c *probeCluster) rate() float64 {
	if c.sent < probeMinPackets || float64(c.received) < probeMinReceived*float64(c.sent) {
		return 0
	}
	sendSpan, recvSpan := c.lastSend-c.firstSend, c.lastArriv-c.firstArriv
	if sendSpan < probeMinDuration || recvSpan < probeMinDuration {
		return 0
	}
	// The last packet sent and the first received mark the ends of the
	// spans: their own bytes fall outside.
	sendRate := float64(c.bytesSent-c.lastSendSize) * 8 * 1e9 / float64(sendSpan)
	recvRate := float64(c.bytesRecv-c.firstRecvSize) * 8 * 1e9 / float64(recvSpan)
	if recvRate < probeSaturation*sendRate {
		return probeUtilization * recvRate
	}
	return min(sendRate, recvRate)
}
