package cascade

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/room"
)

// The node-to-node protocol is JSON over NATS: readable with `nats sub
// 'parley.>'`, and every node of a cluster runs the same version. Room's
// info types travel as they are.

// subjects names the subjects of one cluster (see the package doc).
type subjects struct{ prefix string }

func (s subjects) events(node string) string   { return s.prefix + ".ev." + node }
func (s subjects) allEvents() string           { return s.prefix + ".ev.*" }
func (s subjects) sync(node string) string     { return s.prefix + ".sync." + node }
func (s subjects) control(node string) string  { return s.prefix + ".ctl." + node }
func (s subjects) relayReq(node string) string { return s.prefix + ".relay." + node + ".req" }
func (s subjects) relaySDP(node string) string { return s.prefix + ".relay." + node + ".sdp" }
func (s subjects) relayICE(node string) string { return s.prefix + ".relay." + node + ".ice" }
func (s subjects) relayBye(node string) string { return s.prefix + ".relay." + node + ".bye" }

// Message types on a node's event subject.
const (
	msgHeartbeat = "hb"
	msgBye       = "bye"
	msgEvent     = "ev"
)

// Room event kinds.
const (
	evRoom        = "room"
	evRoomClosed  = "room_closed"
	evJoined      = "joined"
	evUpdated     = "updated"
	evLeft        = "left"
	evPublished   = "published"
	evUnpublished = "unpublished"
	evMuted       = "muted"
	evLayers      = "layers"
	evData        = "data"
)

// nodeMsg is every message on a node's event subject.
type nodeMsg struct {
	Type string `json:"type"`
	Node string `json:"node"`
	// Inst is the node's instance: a new one every start.
	Inst string `json:"inst"`
	// Seq numbers the node's events; a heartbeat or goodbye carries the
	// last one sent.
	Seq  uint64 `json:"seq"`
	Load *Load  `json:"load,omitempty"`
	// Event is set for msgEvent.
	Event *event `json:"event,omitempty"`
}

// Load is what a node's heartbeat says about it.
type Load struct {
	Rooms        int `json:"rooms"`
	Participants int `json:"participants"` // local ones
	Tracks       int `json:"tracks"`       // published locally
	Relays       int `json:"relays"`       // relay sessions, both ways
	Goroutines   int `json:"goroutines"`
	// DroppedEvents counts events dropped while NATS was unreachable for
	// long (the other nodes repaired them with snapshots).
	DroppedEvents uint64 `json:"dropped_events"`
}

// event is one change in a room of the sending node.
type event struct {
	Kind string `json:"kind"`
	Room string `json:"room"`
	// SID is the participant (left) or track (unpublished, muted, layers).
	SID         string                `json:"sid,omitempty"`
	RoomInfo    *room.RoomInfo        `json:"room_info,omitempty"`
	Participant *room.ParticipantInfo `json:"participant,omitempty"`
	Track       *trackState           `json:"track,omitempty"`
	Reason      room.LeaveReason      `json:"reason,omitempty"`
	Muted       bool                  `json:"muted,omitempty"`
	Layers      uint8                 `json:"layers,omitempty"`
	Data        *room.DataEvent       `json:"data,omitempty"`
	To          []string              `json:"to,omitempty"`
}

// trackState is a published track as other nodes need it to relay it.
type trackState struct {
	Info room.TrackInfo `json:"info"`
	// Codec is what the publisher sends (empty if the track ended before
	// it was announced).
	Codec webrtc.RTPCodecParameters `json:"codec"`
	// Layers is the mask of simulcast layers the origin receives.
	Layers uint8 `json:"layers"`
}

// snapshot is a node's state: its rooms, with its own participants in
// them and their live tracks.
type snapshot struct {
	Node  string      `json:"node"`
	Inst  string      `json:"inst"`
	Seq   uint64      `json:"seq"`
	Rooms []roomState `json:"rooms"`
}

type roomState struct {
	Info         room.RoomInfo          `json:"info"`
	Participants []room.ParticipantInfo `json:"participants"` // Tracks left empty
	Tracks       []trackState           `json:"tracks"`
}

// controlRequest asks a node to act on one of its participants.
type controlRequest struct {
	Op       string           `json:"op"` // "remove" or "mute"
	Room     string           `json:"room"`
	Identity string           `json:"identity"`
	SID      string           `json:"sid"`
	TrackSID string           `json:"track_sid,omitempty"`
	Muted    bool             `json:"muted,omitempty"`
	Reason   room.LeaveReason `json:"reason,omitempty"`
	Message  string           `json:"message,omitempty"`
}

// reply answers a request: an error (with a code naming the room error it
// stands for) or a result.
type reply struct {
	Error string          `json:"error,omitempty"`
	Code  string          `json:"code,omitempty"`
	Track *room.TrackInfo `json:"track,omitempty"`
	SDP   string          `json:"sdp,omitempty"`
}

// relayRequest is sent by a destination node to an origin: the layers it
// wants of the origin's tracks in a room, on the relay session Session.
type relayRequest struct {
	Room    string           `json:"room"`
	From    string           `json:"from"`
	Session string           `json:"session"`
	Demand  map[string]uint8 `json:"demand"` // track sid -> layer mask
}

// relaySDP carries the origin's offer for a session.
type relaySDP struct {
	Session string `json:"session"`
	SDP     string `json:"sdp"`
}

// relayICE is a trickled candidate of a session; nil when gathering is
// complete. ToOrigin says which side it is for.
type relayICE struct {
	Session   string                   `json:"session"`
	ToOrigin  bool                     `json:"to_origin"`
	Candidate *webrtc.ICECandidateInit `json:"candidate"`
}

// relayBye closes a session; ToOrigin says which side is told.
type relayBye struct {
	Session  string `json:"session"`
	ToOrigin bool   `json:"to_origin"`
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are encoded; they always marshal.
		panic(fmt.Sprintf("cascade: encode %T: %v", v, err))
	}
	return b
}

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("malformed %T: %w", v, err)
	}
	return nil
}

// replyCode is an error code of a reply and the room error it stands for.
type replyCode struct {
	code     string
	sentinel error
}

// replyCodes lists the room errors that cross nodes as codes.
func replyCodes() []replyCode {
	return []replyCode{
		{"room_not_found", room.ErrRoomNotFound},
		{"participant_not_found", room.ErrParticipantNotFound},
		{"track_not_found", room.ErrTrackNotFound},
		{"permission_denied", room.ErrPermissionDenied},
		{"invalid_argument", room.ErrInvalidArgument},
		{"participant_closed", room.ErrParticipantClosed},
	}
}

// errorReply answers a request with err.
func errorReply(err error) reply {
	r := reply{Error: err.Error()}
	for _, c := range replyCodes() {
		if errors.Is(err, c.sentinel) {
			r.Code = c.code
			break
		}
	}
	return r
}

// err turns a reply back into an error wrapping the room error it names.
func (r reply) err() error {
	if r.Error == "" {
		return nil
	}
	for _, c := range replyCodes() {
		if c.code == r.Code {
			return fmt.Errorf("%w (on another node: %s)", c.sentinel, r.Error)
		}
	}
	return fmt.Errorf("%w: %s", ErrNodeUnavailable, r.Error)
}
