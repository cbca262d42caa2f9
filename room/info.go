package room

import (
	"time"

	"github.com/parley-sfu/parley/sfu"
)

// TrackKind is audio or video.
type TrackKind uint8

// Track kinds.
const (
	KindUnknown TrackKind = iota
	KindAudio
	KindVideo
)

// String returns "audio", "video" or "unknown".
func (k TrackKind) String() string {
	switch k {
	case KindAudio:
		return "audio"
	case KindVideo:
		return "video"
	}
	return "unknown"
}

// TrackSource says where a track comes from.
type TrackSource uint8

// Track sources.
const (
	SourceUnknown TrackSource = iota
	SourceCamera
	SourceMicrophone
	SourceScreenShare
	SourceScreenShareAudio
)

// LeaveReason says why a participant left.
type LeaveReason uint8

// Leave reasons; they mirror the protocol's LeaveReason.
const (
	LeaveUnknown LeaveReason = iota
	LeaveClientRequest
	LeaveDuplicateIdentity
	LeaveRemoved
	LeaveRoomDeleted
	LeaveServerShutdown
	LeaveConnectionLost
	LeaveJoinFailure
	LeaveNodeFailure
)

// Permission is what a participant may do in its room.
type Permission struct {
	CanPublish     bool
	CanSubscribe   bool
	CanPublishData bool
	// PublishSources restricts the sources it may publish; empty means all.
	PublishSources []TrackSource
}

// allowsSource reports whether the permission lets s be published.
func (p Permission) allowsSource(s TrackSource) bool {
	if len(p.PublishSources) == 0 {
		return true
	}
	for _, allowed := range p.PublishSources {
		if allowed == s {
			return true
		}
	}
	return false
}

// TrackInfo is a snapshot of a published track.
type TrackInfo struct {
	SID                 string
	ParticipantSID      string
	ParticipantIdentity string
	Kind                TrackKind
	Source              TrackSource
	Name                string
	MimeType            string
	Muted               bool
	Width, Height       uint32
	Simulcast           bool
	Layers              []sfu.LayerInfo
	DTX, RED            bool
	// Remote is set for tracks relayed from another node.
	Remote bool
}

// ParticipantInfo is a snapshot of a participant.
type ParticipantInfo struct {
	SID        string
	Identity   string
	Name       string
	Metadata   string
	Attributes map[string]string
	Tracks     []TrackInfo
	JoinedAt   time.Time
	Permission Permission
	NodeID     string
	Remote     bool
}

// RoomInfo is a snapshot of a room.
type RoomInfo struct {
	SID             string
	Name            string
	EmptyTimeout    time.Duration
	MaxParticipants int
	CreatedAt       time.Time
	Metadata        string
	NumParticipants int
	NumPublishers   int
}
