package room

import "time"

// Config configures a [Manager]. Start from [DefaultConfig].
type Config struct {
	// NodeID names this node in participant infos (cascade).
	NodeID string `yaml:"node_id"`
	// AutoCreate creates a room on the first join. When false only tokens
	// with the room-create grant (or RoomService) create rooms.
	AutoCreate bool `yaml:"auto_create"`
	// EmptyTimeout is how long an empty room lives before it is closed.
	EmptyTimeout time.Duration `yaml:"empty_timeout"`
	// MaxParticipants per room; zero means no limit.
	MaxParticipants int `yaml:"max_participants"`
	// MaxTracks a participant may publish; zero means no limit.
	MaxTracks int `yaml:"max_tracks"`
	// MaxRooms on this node; zero means no limit.
	MaxRooms int `yaml:"max_rooms"`
	// ReconnectGrace is how long a participant whose media transport died
	// (a PeerConnection disconnected or failed) has to restart ICE before
	// it leaves for everyone.
	ReconnectGrace time.Duration `yaml:"reconnect_grace"`
	// ResumeGrace is how long a participant whose signaling connection
	// dropped stays in the room awaiting a resume (its media still flows
	// meanwhile); one whose media is down too leaves at once.
	ResumeGrace time.Duration `yaml:"resume_grace"`
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		AutoCreate:      true,
		EmptyTimeout:    5 * time.Minute,
		MaxParticipants: 100,
		MaxTracks:       8,
		MaxRooms:        0,
		ReconnectGrace:  20 * time.Second,
		ResumeGrace:     10 * time.Second,
	}
}
