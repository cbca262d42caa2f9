package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Dev credentials of `parley serve --dev`, the default target.
const (
	DevAPIKey    = "devkey"
	DevAPISecret = "devsecret"
)

// Config is one load test. Start from [DefaultConfig].
type Config struct {
	// URL is the server the bots join: grpc://host:7890 (or host:port) or
	// ws(s):// / http(s):// for WebSocket signaling, as client.Connect.
	URL string
	// PublisherURL, when set, is the server the publishing bots join
	// instead: publishers on one node of a cluster, the receive-only
	// subscribers on another (URL), so that every subscribed track
	// crosses a relay. Both nodes must accept APIKey and APISecret. The
	// server figures are those of URL's node.
	PublisherURL string
	// MetricsURL is the server's Prometheus endpoint; empty derives it from
	// URL (same host, HTTP port 7880 for gRPC URLs). Server figures are read
	// from it when ServerPID is zero.
	MetricsURL string
	// APIKey and APISecret sign the bots' tokens.
	APIKey, APISecret string
	// RoomPrefix names the rooms: PREFIX-0, PREFIX-1, ...
	RoomPrefix string

	// Rooms is the number of rooms; the counts below are per room.
	Rooms int
	// VideoPublishers and AudioPublishers are publishing participants: bot
	// i publishes video when i < VideoPublishers and audio when i <
	// AudioPublishers, and watches the others like everyone in a meeting.
	VideoPublishers, AudioPublishers int
	// Subscribers are receive-only participants.
	Subscribers int

	// Duration is the measurement window, after every bot has joined and
	// its subscriptions have settled.
	Duration time.Duration
	// Ramp is how many bots join per second.
	Ramp float64
	// SettleTimeout bounds the wait for subscriptions before the window
	// starts anyway.
	SettleTimeout time.Duration

	// Simulcast publishes three layers (q, h, f) per video track.
	Simulcast bool
	// Codec is the video codec: vp8 or h264.
	Codec Codec
	// Layout decides how many video tracks each participant watches and at
	// which size it asks for them.
	Layout Layout
	// NoRTX makes the bots negotiate no RTX: retransmissions then go out
	// on the media SSRC (browsers use RTX).
	NoRTX bool
	// SendLoss is the share of their RTP packets (0 to 0.5) the bots
	// drop on sending, as a lossy uplink would, so that NACK and
	// retransmission through the server are exercised.
	SendLoss float64

	// ServerPID, when the server runs on this machine, is read for its CPU
	// time and resident memory (/proc/PID/stat and status).
	ServerPID int
	// ProgressInterval is how often progress is reported.
	ProgressInterval time.Duration

	// Logger receives diagnostics (never per packet); nil discards.
	Logger *slog.Logger
	// WindowStarted, when set, is called in its own goroutine as the
	// measurement window starts (e.g. to profile the server meanwhile);
	// its context ends with the window.
	WindowStarted func(ctx context.Context, window time.Duration)
}

// DefaultConfig targets a dev server on this machine (`parley serve
// --dev`) with the dev credentials; set at least one kind of bot.
func DefaultConfig() Config {
	return Config{
		URL:              "grpc://127.0.0.1:7890",
		APIKey:           DevAPIKey,
		APISecret:        DevAPISecret,
		Rooms:            1,
		Duration:         30 * time.Second,
		Ramp:             10,
		SettleTimeout:    15 * time.Second,
		Simulcast:        true,
		Codec:            CodecVP8,
		Layout:           LayoutSpeaker,
		ProgressInterval: time.Second,
	}
}

// Validate reports settings the load test cannot run with.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	switch {
	case c.URL == "":
		return bad("no server URL")
	case c.PublisherURL != "" && c.publishers() == 0:
		return bad("a publisher URL but no publishers: give --video-publishers or --audio-publishers")
	case c.APIKey == "" || c.APISecret == "":
		return bad("give both an API key and an API secret")
	case c.Rooms < 1:
		return bad("--rooms must be at least 1, got %d", c.Rooms)
	case c.VideoPublishers < 0 || c.AudioPublishers < 0 || c.Subscribers < 0:
		return bad("bot counts cannot be negative")
	case c.VideoPublishers+c.AudioPublishers+c.Subscribers == 0:
		return bad("no bots: give --video-publishers, --audio-publishers or --subscribers")
	case c.Duration <= 0:
		return bad("--duration must be positive, got %v", c.Duration)
	case c.SendLoss < 0 || c.SendLoss > 0.5:
		return bad("--send-loss must be a share in [0, 0.5], got %v", c.SendLoss)
	case c.Ramp <= 0:
		return bad("--ramp must be a positive number of joins per second, got %v", c.Ramp)
	case c.SettleTimeout < 0 || c.ProgressInterval < 0:
		return bad("negative timeout or interval")
	case c.ServerPID < 0:
		return bad("--server-pid cannot be negative")
	}
	if err := c.Codec.validate(); err != nil {
		return bad("%v", err)
	}
	if _, err := ParseLayout(string(c.Layout)); err != nil {
		return bad("%v", err)
	}
	if c.MetricsURL != "" {
		if u, err := url.Parse(c.MetricsURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("metrics URL %q is not an http(s) URL", c.MetricsURL)
		}
	}
	if c.RoomPrefix != "" && strings.ContainsFunc(c.RoomPrefix, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) {
		return bad("room prefix %q may only hold letters, digits, '-', '_' and '.'", c.RoomPrefix)
	}
	return nil
}

// botURL is the server a bot joins: publishers go to PublisherURL when
// it is set.
func (c *Config) botURL(publisher bool) string {
	if publisher && c.PublisherURL != "" {
		return c.PublisherURL
	}
	return c.URL
}

// publishers is the number of publishing participants per room.
func (c *Config) publishers() int { return max(c.VideoPublishers, c.AudioPublishers) }

// botsPerRoom is the number of participants per room.
func (c *Config) botsPerRoom() int { return c.publishers() + c.Subscribers }

// Codec is a video codec the publishers send.
type Codec string

// Video codecs.
const (
	CodecVP8  Codec = "vp8"
	CodecH264 Codec = "h264"
)

func (c Codec) validate() error {
	switch c {
	case CodecVP8, CodecH264:
		return nil
	}
	return fmt.Errorf("codec %q: use vp8 or h264", string(c))
}

// Layout is what each participant watches, like a meeting client's screen.
type Layout string

// Layouts.
const (
	// LayoutSpeaker: the first video at 1280x720 and up to three more as
	// 320x180 thumbnails.
	LayoutSpeaker Layout = "speaker"
	// LayoutGrid3, 4 and 5: up to 9, 16 or 25 videos in equal tiles of a
	// 1280x720 screen.
	LayoutGrid3 Layout = "3x3"
	LayoutGrid4 Layout = "4x4"
	LayoutGrid5 Layout = "5x5"
)

// ParseLayout checks a layout name.
func ParseLayout(s string) (Layout, error) {
	switch l := Layout(s); l {
	case LayoutSpeaker, LayoutGrid3, LayoutGrid4, LayoutGrid5:
		return l, nil
	}
	return "", fmt.Errorf("layout %q: use speaker, 3x3, 4x4 or 5x5", s)
}

// Tile is the size a participant asks for one video track.
type Tile struct{ Width, Height uint32 }

// Tiles lists the video tiles of the layout: the i-th video a participant
// sees gets Tiles()[i]; videos beyond the list are not watched.
func (l Layout) Tiles() []Tile {
	grid := func(n uint32) []Tile {
		tiles := make([]Tile, n*n)
		for i := range tiles {
			tiles[i] = Tile{1280 / n, 720 / n}
		}
		return tiles
	}
	switch l {
	case LayoutGrid3:
		return grid(3)
	case LayoutGrid4:
		return grid(4)
	case LayoutGrid5:
		return grid(5)
	}
	return []Tile{{1280, 720}, {320, 180}, {320, 180}, {320, 180}}
}
