package loadtest

import (
	"encoding/json"
	"io"
	"time"
)

// Report is everything a load test measured. Counts and rates cover the
// measurement window (after the ramp and the settling of subscriptions)
// unless a field says otherwise; join and subscribe times and errors
// cover the whole run.
type Report struct {
	Config      ReportConfig `json:"config"`
	Machine     Machine      `json:"machine"`
	Started     time.Time    `json:"started"`
	Window      Window       `json:"window"`
	Interrupted bool         `json:"interrupted"`

	Publishers  []PublisherRow  `json:"publishers"`
	Subscribers []SubscriberRow `json:"subscribers"`
	Totals      Totals          `json:"totals"`
	Server      ServerStats     `json:"server"`
	Bots        BotStats        `json:"bots"`
	Errors      []ErrorCount    `json:"errors"`
	Timeline    []Sample        `json:"timeline"`
}

// ReportConfig is the test that was run.
type ReportConfig struct {
	URL             string  `json:"url"`
	PublisherURL    string  `json:"publisher_url,omitempty"`
	Rooms           int     `json:"rooms"`
	VideoPublishers int     `json:"video_publishers"`
	AudioPublishers int     `json:"audio_publishers"`
	Subscribers     int     `json:"subscribers"`
	DurationSeconds float64 `json:"duration_seconds"`
	Ramp            float64 `json:"ramp_per_second"`
	Simulcast       bool    `json:"simulcast"`
	RTX             bool    `json:"rtx"`
	Codec           string  `json:"codec"`
	Layout          string  `json:"layout"`
}

// Machine is where the bots ran.
type Machine struct {
	CPUs int    `json:"cpus"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
	Go   string `json:"go"`
}

// Window is the measurement window.
type Window struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Seconds float64   `json:"seconds"`
}

// PublisherRow is one published layer (or audio track).
type PublisherRow struct {
	Room          string  `json:"room"`
	Bot           string  `json:"bot"`
	Kind          string  `json:"kind"`
	RID           string  `json:"rid"`
	Codec         string  `json:"codec"`
	Packets       uint64  `json:"packets"`
	Bytes         uint64  `json:"bytes"`
	Mbps          float64 `json:"mbps"`
	Frames        uint64  `json:"frames"`
	Keyframes     uint64  `json:"keyframes"`
	KeyframeJumps uint64  `json:"keyframe_jumps"`
	PLIs          uint64  `json:"plis_received"`
	NACKs         uint64  `json:"nacks_received"`
	WriteErrors   uint64  `json:"write_errors"`
}

// SubscriberRow is one participant's reception (publishers watch each
// other, so they have rows too).
type SubscriberRow struct {
	Room           string  `json:"room"`
	Bot            string  `json:"bot"`
	TracksGot      int     `json:"tracks_got"`
	TracksExpected int     `json:"tracks_expected"`
	Mbps           float64 `json:"mbps"`
	Packets        uint64  `json:"packets"`
	Expected       uint64  `json:"packets_expected"`
	Lost           uint64  `json:"packets_lost"`
	LossPercent    float64 `json:"loss_percent"`
	NACKs          uint64  `json:"nacks_sent"`
	PLIs           uint64  `json:"plis_sent"`
	JitterMS       float64 `json:"jitter_ms"`
	Latency        Latency `json:"latency"`
	Errors         uint64  `json:"errors"`
	// Tracks details the row by subscribed track (JSON only).
	Tracks []TrackRow `json:"tracks"`
}

// TrackRow is one subscribed track of a subscriber.
type TrackRow struct {
	Track     string  `json:"track"`
	Kind      string  `json:"kind"`
	Publisher string  `json:"publisher"`
	Codec     string  `json:"codec"`
	Width     uint32  `json:"width"`  // asked for; 0 for audio
	Height    uint32  `json:"height"` // asked for
	Packets   uint64  `json:"packets"`
	Expected  uint64  `json:"packets_expected"`
	Lost      uint64  `json:"packets_lost"`
	Mbps      float64 `json:"mbps"`
	JitterMS  float64 `json:"jitter_ms"`
	// SubscribeMS is the time from the subscribe request to the first
	// media, 0 if none arrived.
	SubscribeMS float64 `json:"subscribe_ms"`
}

// Latency is the distribution of the end-to-end latency of frames, from
// the publisher bot's send to the subscriber bot's receipt of the frame's
// last packet, in milliseconds.
type Latency struct {
	Samples uint64  `json:"samples"`
	P50MS   float64 `json:"p50_ms"`
	P95MS   float64 `json:"p95_ms"`
	P99MS   float64 `json:"p99_ms"`
}

func latencyOf(h *histSnapshot) Latency {
	return Latency{Samples: h.count(), P50MS: h.quantile(0.5), P95MS: h.quantile(0.95), P99MS: h.quantile(0.99)}
}

// Totals sum the rows.
type Totals struct {
	Bots      int `json:"bots"`
	Connected int `json:"connected"`
	Failed    int `json:"failed"`
	// NotStarted counts bots the run never started (interrupted ramp).
	NotStarted     int     `json:"not_started"`
	TracksGot      int     `json:"tracks_got"`
	TracksExpected int     `json:"tracks_expected"`
	SentMbps       float64 `json:"sent_mbps"`
	ReceivedMbps   float64 `json:"received_mbps"`
	PacketsSent    uint64  `json:"packets_sent"`
	Packets        uint64  `json:"packets_received"`
	Expected       uint64  `json:"packets_expected"`
	Lost           uint64  `json:"packets_lost"`
	LossPercent    float64 `json:"loss_percent"`
	NACKs          uint64  `json:"nacks_sent"`
	PLIs           uint64  `json:"plis_sent"`
	Join           Timing  `json:"join"`
	Subscribe      Timing  `json:"subscribe"`
	Latency        Latency `json:"latency"`
	Errors         uint64  `json:"errors"`
}

// Timing is the distribution of a duration over the run, in
// milliseconds.
type Timing struct {
	Count int     `json:"count"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
}

// ServerStats are the server's figures over the window; Source is empty
// when neither /proc nor /metrics could be read (Note says why).
type ServerStats struct {
	Source       string  `json:"source"`
	Note         string  `json:"note,omitempty"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	CPUPercent   float64 `json:"cpu_percent"` // of one core
	PeakRSSBytes uint64  `json:"peak_rss_bytes"`
	// BaseRSSBytes is the resident set before the bots joined.
	BaseRSSBytes uint64 `json:"base_rss_bytes"`
	// PacketsOut and BytesOut are what the server sent to subscribers
	// (from its metrics; else what the subscriber bots received).
	PacketsOut        uint64 `json:"packets_out"`
	BytesOut          uint64 `json:"bytes_out"`
	PacketsOutCounted string `json:"packets_out_source"`
	PacketsIn         uint64 `json:"packets_in"`
	// From the server's metrics: NACKed packets from subscribers and how
	// many of them were no longer cached, keyframe requests sent to
	// publishers, and packets not forwarded (all drop reasons).
	NACKsReceived  uint64 `json:"nacks_received"`
	NACKsMissed    uint64 `json:"nacks_missed"`
	PLIsSent       uint64 `json:"plis_to_publishers"`
	PacketsDropped uint64 `json:"packets_dropped"`

	// CPUSecondsPerMbit is server CPU time per Mbit delivered to the
	// subscriber bots.
	CPUSecondsPerMbit float64 `json:"cpu_seconds_per_subscriber_mbit"`
	// PacketsPerCPUSecond and MicrosPerPacket relate outgoing packets to
	// server CPU time.
	PacketsPerCPUSecond float64 `json:"packets_out_per_cpu_second"`
	MicrosPerPacket     float64 `json:"cpu_us_per_packet_out"`
	// RSSPerSubscriberBytes is the growth of the resident set from before
	// the bots joined to its peak, per receiving participant.
	RSSPerSubscriberBytes float64 `json:"rss_per_subscriber_bytes"`
	// UDPDrops counts datagrams the kernel dropped at the server's full
	// socket receive buffers in the window (with --server-pid only).
	UDPDrops uint64 `json:"udp_receive_drops"`
}

// BotStats are the load generator's own figures over the window.
type BotStats struct {
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"` // of one core
	// UDPDrops counts datagrams dropped at the bots' full socket receive
	// buffers in the window.
	UDPDrops uint64 `json:"udp_receive_drops"`
}

// Sample is one point of the timeline.
type Sample struct {
	T                float64 `json:"t"` // seconds since the start
	Phase            string  `json:"phase"`
	Connected        int     `json:"connected"`
	TracksGot        int     `json:"tracks_got"`
	SentMbps         float64 `json:"sent_mbps"`
	ReceivedMbps     float64 `json:"received_mbps"`
	LossPercent      float64 `json:"loss_percent"`
	LatencyP50MS     float64 `json:"latency_p50_ms"`
	LatencyP99MS     float64 `json:"latency_p99_ms"`
	ServerCPUPercent float64 `json:"server_cpu_percent"`
	Errors           uint64  `json:"errors"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// mbps is bytes over seconds in Mbit/s.
func mbps(bytes uint64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(bytes) * 8 / seconds / 1e6
}

// percent is part of whole in percent, 0 for nothing.
func percent(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) * 100 / float64(whole)
}
