package web

// Config configures [Handler]. The zero value is valid: empty fields take
// the values of [DefaultConfig].
type Config struct {
	// Title is the product name in page titles and the header.
	Title string `yaml:"title"`
	// SignalPath is the path of the signaling WebSocket on this host.
	SignalPath string `yaml:"signal_path"`
	// GuestTokenPath is the path of the guest-token endpoint on this host.
	GuestTokenPath string `yaml:"guest_token_path"`
}

// DefaultConfig returns the defaults: the paths the server mounts.
func DefaultConfig() Config {
	return Config{
		Title:          "Parley",
		SignalPath:     "/signal",
		GuestTokenPath: "/api/guest-token",
	}
}

// withDefaults fills the empty fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Title == "" {
		c.Title = d.Title
	}
	if c.SignalPath == "" {
		c.SignalPath = d.SignalPath
	}
	if c.GuestTokenPath == "" {
		c.GuestTokenPath = d.GuestTokenPath
	}
	return c
}
