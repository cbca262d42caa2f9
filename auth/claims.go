package auth

import (
	"fmt"
	"slices"
	"time"
)

// Source is a kind of track a participant may publish, as named in the
// publishSources grant. Signaling maps it to parleypb.TrackSource.
type Source string

// Known sources.
const (
	SourceCamera           Source = "camera"
	SourceMicrophone       Source = "microphone"
	SourceScreenShare      Source = "screenShare"
	SourceScreenShareAudio Source = "screenShareAudio"
)

// Valid reports whether s is one of the known sources.
func (s Source) Valid() bool {
	switch s {
	case SourceCamera, SourceMicrophone, SourceScreenShare, SourceScreenShareAudio:
		return true
	}
	return false
}

// Grants are the permissions a token carries. The zero value grants
// nothing. The JSON names are the wire names of the "grants" claim.
type Grants struct {
	Join        bool `json:"join,omitempty"`
	Publish     bool `json:"publish,omitempty"`
	Subscribe   bool `json:"subscribe,omitempty"`
	PublishData bool `json:"publishData,omitempty"`
	RoomAdmin   bool `json:"roomAdmin,omitempty"`
	RoomCreate  bool `json:"roomCreate,omitempty"`
	// PublishSources, when not empty, restricts Publish to these sources.
	PublishSources []Source `json:"publishSources,omitempty"`
}

// Claims is the content of an access token.
type Claims struct {
	// Identity is the participant identity (sub), unique in a room.
	Identity string
	// Name is the display name shown to others.
	Name string
	// Metadata is opaque application data attached to the participant.
	Metadata string
	// Room is the room the token is for. Empty only for admin tokens.
	Room string
	// Grants are the token's permissions.
	Grants Grants

	// APIKey (iss) is the key whose secret signed the token. Set by
	// Verify; NewToken and Sign take the key as an argument instead.
	APIKey string
	// IssuedAt, NotBefore and ExpiresAt are the token's validity. Set by
	// Verify and used by Sign; NewToken derives them from the lifetime.
	// A zero IssuedAt or NotBefore is left out of the token.
	IssuedAt  time.Time
	NotBefore time.Time
	ExpiresAt time.Time
}

// CanJoin reports whether the token allows joining room: it needs the join
// grant and must name that room.
func (c *Claims) CanJoin(room string) error {
	if !c.Grants.Join {
		return fmt.Errorf("%w: join", ErrNoGrant)
	}
	return c.checkRoom(room, false)
}

// CanAdmin reports whether the token allows administering room (remove
// participants, mute their tracks). A roomAdmin token with an empty room
// administers every room.
func (c *Claims) CanAdmin(room string) error {
	if !c.Grants.RoomAdmin {
		return fmt.Errorf("%w: roomAdmin", ErrNoGrant)
	}
	return c.checkRoom(room, true)
}

// CanCreate reports whether the token allows creating, listing and deleting
// rooms.
func (c *Claims) CanCreate() error {
	if !c.Grants.RoomCreate {
		return fmt.Errorf("%w: roomCreate", ErrNoGrant)
	}
	return nil
}

// CanPublish reports whether the token allows publishing a track from src.
// An empty src checks the publish grant only.
func (c *Claims) CanPublish(src Source) error {
	if !c.Grants.Publish {
		return fmt.Errorf("%w: publish", ErrNoGrant)
	}
	if src == "" || len(c.Grants.PublishSources) == 0 {
		return nil
	}
	if !slices.Contains(c.Grants.PublishSources, src) {
		return fmt.Errorf("%w: %q (allowed: %v)", ErrSourceNotAllowed, src, c.Grants.PublishSources)
	}
	return nil
}

// CanSubscribe reports whether the token allows subscribing to tracks.
func (c *Claims) CanSubscribe() error {
	if !c.Grants.Subscribe {
		return fmt.Errorf("%w: subscribe", ErrNoGrant)
	}
	return nil
}

// CanPublishData reports whether the token allows sending chat and data.
func (c *Claims) CanPublishData() error {
	if !c.Grants.PublishData {
		return fmt.Errorf("%w: publishData", ErrNoGrant)
	}
	return nil
}

func (c *Claims) checkRoom(room string, emptyMeansAll bool) error {
	switch {
	case c.Room == "" && emptyMeansAll:
		return nil
	case c.Room == "":
		return fmt.Errorf("%w: token names no room, %q requested", ErrWrongRoom, room)
	case c.Room != room:
		return fmt.Errorf("%w: token is for %q, %q requested", ErrWrongRoom, c.Room, room)
	}
	return nil
}
