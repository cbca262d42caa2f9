package signaling

import "time"

// ICEServer is a STUN/TURN server handed to clients in the join response.
type ICEServer struct {
	URLs       []string `yaml:"urls"`
	Username   string   `yaml:"username"`
	Credential string   `yaml:"credential"`
}

// Config configures a [Service]. Start from [DefaultConfig].
type Config struct {
	// MaxMessageSize is the largest signaling message accepted, in bytes.
	// Larger ones (up to 4× this) get a MESSAGE_TOO_LARGE error and the
	// session goes on; beyond that the transport itself refuses them.
	MaxMessageSize int `yaml:"max_message_size"`
	// JoinTimeout is how long a new connection may take to send its join.
	JoinTimeout time.Duration `yaml:"join_timeout"`
	// PingInterval is how often clients must ping; PingTimeout is how long a
	// silent session lives before it is dropped.
	PingInterval time.Duration `yaml:"ping_interval"`
	PingTimeout  time.Duration `yaml:"ping_timeout"`
	// SendQueue is how many events may wait for a slow client before its
	// session is ended.
	SendQueue int `yaml:"send_queue"`
	// GuestTokens enables POST /api/guest-token (dev mode): anyone may get a
	// join token for any room. Off in production.
	GuestTokens bool `yaml:"guest_tokens"`
	// GuestTokenTTL is the lifetime of guest tokens.
	GuestTokenTTL time.Duration `yaml:"guest_token_ttl"`
	// ICETransportPolicy is told to clients: "all" or "relay".
	ICETransportPolicy string `yaml:"ice_transport_policy"`
	// ICEServers are handed to every client as they are.
	ICEServers []ICEServer `yaml:"ice_servers"`
	// AllowedOrigins for the WebSocket besides the page's own host
	// (patterns as in github.com/coder/websocket AcceptOptions).
	AllowedOrigins []string `yaml:"allowed_origins"`
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		MaxMessageSize:     64 << 10,
		JoinTimeout:        10 * time.Second,
		PingInterval:       5 * time.Second,
		PingTimeout:        15 * time.Second,
		SendQueue:          1024,
		GuestTokenTTL:      6 * time.Hour,
		ICETransportPolicy: "all",
	}
}
