package browsertest

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

//go:embed stats.js
var statsJS string

// StatsScript returns the JavaScript expression behind [Page.Stats]: it
// resolves to the JSON form of [Stats] for the connections at
// window.parleyDebug.pcs, or null when the page exposes none.
func StatsScript() string { return statsJS }

// Stats summarises getStats() of every connection a page exposes, by the
// name it has in window.parleyDebug.pcs.
type Stats struct {
	PCs map[string]PCStats `json:"pcs"`
}

// PCStats is one RTCPeerConnection. Lists are sorted by mid, then rid.
type PCStats struct {
	ConnectionState    string          `json:"connectionState"`
	ICEConnectionState string          `json:"iceConnectionState"`
	SignalingState     string          `json:"signalingState"`
	InboundVideo       []InboundVideo  `json:"inboundVideo"`
	InboundAudio       []InboundAudio  `json:"inboundAudio"`
	OutboundVideo      []Outbound      `json:"outboundVideo"`
	OutboundAudio      []Outbound      `json:"outboundAudio"`
	CandidatePairs     []CandidatePair `json:"candidatePairs"`
}

// InboundVideo is an inbound-rtp stats entry of kind video.
type InboundVideo struct {
	TrackIdentifier  string  `json:"trackIdentifier"`
	Mid              string  `json:"mid"`
	SSRC             uint32  `json:"ssrc"`
	Codec            string  `json:"codec"`
	FramesDecoded    uint64  `json:"framesDecoded"`
	FramesReceived   uint64  `json:"framesReceived"`
	FramesDropped    uint64  `json:"framesDropped"`
	KeyFramesDecoded uint64  `json:"keyFramesDecoded"`
	FrameWidth       uint32  `json:"frameWidth"`
	FrameHeight      uint32  `json:"frameHeight"`
	FramesPerSecond  float64 `json:"framesPerSecond"`
	PacketsReceived  uint64  `json:"packetsReceived"`
	PacketsLost      int64   `json:"packetsLost"`
	BytesReceived    uint64  `json:"bytesReceived"`
	PLICount         uint64  `json:"pliCount"` // PLIs this receiver sent
	FIRCount         uint64  `json:"firCount"`
	NACKCount        uint64  `json:"nackCount"`
}

// InboundAudio is an inbound-rtp stats entry of kind audio.
type InboundAudio struct {
	TrackIdentifier string  `json:"trackIdentifier"`
	Mid             string  `json:"mid"`
	SSRC            uint32  `json:"ssrc"`
	Codec           string  `json:"codec"`
	PacketsReceived uint64  `json:"packetsReceived"`
	PacketsLost     int64   `json:"packetsLost"`
	BytesReceived   uint64  `json:"bytesReceived"`
	AudioLevel      float64 `json:"audioLevel"`
}

// Outbound is an outbound-rtp stats entry: one per simulcast layer (RID).
// The frame fields are zero for audio.
type Outbound struct {
	RID                     string  `json:"rid"`
	Mid                     string  `json:"mid"`
	SSRC                    uint32  `json:"ssrc"`
	Codec                   string  `json:"codec"`
	Active                  bool    `json:"active"`
	PacketsSent             uint64  `json:"packetsSent"`
	BytesSent               uint64  `json:"bytesSent"`
	PLICount                uint64  `json:"pliCount"` // PLIs this sender received
	FIRCount                uint64  `json:"firCount"`
	NACKCount               uint64  `json:"nackCount"`
	FrameWidth              uint32  `json:"frameWidth"`
	FrameHeight             uint32  `json:"frameHeight"`
	FramesEncoded           uint64  `json:"framesEncoded"`
	FramesSent              uint64  `json:"framesSent"`
	FramesPerSecond         float64 `json:"framesPerSecond"`
	QualityLimitationReason string  `json:"qualityLimitationReason"`
	// QualityLimitationResolutionChanges counts the encoder's resolution
	// changes for CPU or bandwidth.
	QualityLimitationResolutionChanges uint64 `json:"qualityLimitationResolutionChanges"`
}

// CandidatePair is an ICE candidate pair the connection checked.
type CandidatePair struct {
	State             string `json:"state"`
	Nominated         bool   `json:"nominated"`
	Selected          bool   `json:"selected"`
	RequestsSent      uint64 `json:"requestsSent"`
	ResponsesReceived uint64 `json:"responsesReceived"`
	RequestsReceived  uint64 `json:"requestsReceived"`
	BytesSent         uint64 `json:"bytesSent"`
	BytesReceived     uint64 `json:"bytesReceived"`
	// AvailableOutgoingBitrate is the sender's bandwidth estimate in bits
	// per second (0 when it has none).
	AvailableOutgoingBitrate float64    `json:"availableOutgoingBitrate"`
	Local                    *Candidate `json:"local"`
	Remote                   *Candidate `json:"remote"`
}

// Candidate is one side of a candidate pair.
type Candidate struct {
	Type          string `json:"type"` // host, srflx, prflx, relay
	Address       string `json:"address"`
	Port          int    `json:"port"`
	Protocol      string `json:"protocol"`
	RelayProtocol string `json:"relayProtocol"`
}

func (c *Candidate) String() string {
	if c == nil {
		return "?"
	}
	return fmt.Sprintf("%s %s %s:%d", c.Type, c.Protocol, c.Address, c.Port)
}

// Stats evaluates [StatsScript] in the page; it fails the test when the page
// exposes no connections.
func (p *Page) Stats() Stats {
	p.b.t.Helper()
	s, err := p.StatsErr()
	if err != nil {
		p.fatalf("reading stats: %v", err)
	}
	return s
}

// StatsErr is Stats returning the error.
func (p *Page) StatsErr() (Stats, error) {
	var s *Stats
	if err := p.EvalErr(statsJS, &s); err != nil {
		return Stats{}, err
	}
	if s == nil {
		return Stats{}, ErrNoPeerConnections
	}
	return *s, nil
}

// names returns the connection names in sorted order.
func (s Stats) names() []string {
	names := make([]string, 0, len(s.PCs))
	for n := range s.PCs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// collect concatenates one list of every connection, in name order.
func collect[T any](s Stats, list func(PCStats) []T) []T {
	var out []T
	for _, n := range s.names() {
		out = append(out, list(s.PCs[n])...)
	}
	return out
}

func sum[T any](items []T, value func(T) uint64) uint64 {
	var total uint64
	for _, it := range items {
		total += value(it)
	}
	return total
}

// InboundVideo returns the inbound video streams of every connection.
func (s Stats) InboundVideo() []InboundVideo {
	return collect(s, func(p PCStats) []InboundVideo { return p.InboundVideo })
}

// InboundAudio returns the inbound audio streams of every connection.
func (s Stats) InboundAudio() []InboundAudio {
	return collect(s, func(p PCStats) []InboundAudio { return p.InboundAudio })
}

// OutboundVideo returns the outbound video streams (layers) of every
// connection.
func (s Stats) OutboundVideo() []Outbound {
	return collect(s, func(p PCStats) []Outbound { return p.OutboundVideo })
}

// FramesDecoded is the total of framesDecoded over all inbound video.
func (s Stats) FramesDecoded() uint64 {
	return sum(s.InboundVideo(), func(v InboundVideo) uint64 { return v.FramesDecoded })
}

// AudioPacketsReceived is the total of packetsReceived over all inbound
// audio.
func (s Stats) AudioPacketsReceived() uint64 {
	return sum(s.InboundAudio(), func(a InboundAudio) uint64 { return a.PacketsReceived })
}

// PLIsSent is the total of PLIs sent by inbound video receivers.
func (s Stats) PLIsSent() uint64 {
	return sum(s.InboundVideo(), func(v InboundVideo) uint64 { return v.PLICount })
}

// PLIsReceived is the total of PLIs received by outbound video senders.
func (s Stats) PLIsReceived() uint64 {
	return sum(s.OutboundVideo(), func(o Outbound) uint64 { return o.PLICount })
}

// CheckedNonLoopback returns the candidate pairs that sent or received
// connectivity checks with an end that is not a loopback address: traffic
// tests must not produce (they stay on 127.0.0.1 and ::1).
func (s Stats) CheckedNonLoopback() []string {
	var out []string
	for _, n := range s.names() {
		for _, cp := range s.PCs[n].CandidatePairs {
			if cp.RequestsSent+cp.RequestsReceived+cp.ResponsesReceived+cp.BytesSent == 0 {
				continue
			}
			if !isLoopback(cp.Local) || !isLoopback(cp.Remote) {
				out = append(out, fmt.Sprintf("%s: %v -> %v (%s, %d requests sent)", n, cp.Local, cp.Remote, cp.State, cp.RequestsSent))
			}
		}
	}
	return out
}

func isLoopback(c *Candidate) bool {
	return c != nil && (strings.HasPrefix(c.Address, "127.") || c.Address == "::1")
}
