package client

import (
	"fmt"
	"strings"

	"github.com/pion/sdp/v3"
)

// msid is the "a=msid:<stream id> <track id>" of an m-section
// (RFC 8830 section 2). In a Parley subscriber offer the stream id is the
// publisher's participant sid and the track id is the track sid.
type msid struct {
	stream string
	track  string
}

// sendingTracks maps the mid of every m-section of an offer that sends
// media to its msid. A section that sends nothing (inactive or recvonly
// from the offerer's side, or port 0) is left out, so a track the server
// removed is missing from the map. When a section has no a=msid, the
// legacy "a=ssrc:<ssrc> msid:<stream> <track>" form is used.
func sendingTracks(offer string) (map[string]msid, error) {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(offer); err != nil {
		return nil, fmt.Errorf("%w: parse offer: %v", ErrNegotiation, err)
	}
	out := make(map[string]msid)
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" && m.MediaName.Media != "video" {
			continue
		}
		mid, ok := m.Attribute("mid")
		if !ok || mid == "" || m.MediaName.Port.Value == 0 || !sends(m) {
			continue
		}
		if id, ok := msidOf(m); ok {
			out[mid] = id
		}
	}
	return out, nil
}

func sends(m *sdp.MediaDescription) bool {
	for _, a := range m.Attributes {
		switch a.Key {
		case "inactive", "recvonly":
			return false
		}
	}
	return true
}

func msidOf(m *sdp.MediaDescription) (msid, bool) {
	if v, ok := m.Attribute("msid"); ok {
		return parseMsid(v)
	}
	for _, a := range m.Attributes {
		if a.Key != "ssrc" {
			continue
		}
		// "<ssrc> msid:<stream> <track>"
		_, rest, ok := strings.Cut(a.Value, " ")
		if v, found := strings.CutPrefix(rest, "msid:"); ok && found {
			return parseMsid(v)
		}
	}
	return msid{}, false
}

func parseMsid(v string) (msid, bool) {
	f := strings.Fields(v)
	switch len(f) {
	case 1:
		return msid{stream: f[0]}, f[0] != "-"
	case 2:
		stream := f[0]
		if stream == "-" {
			stream = ""
		}
		return msid{stream: stream, track: f[1]}, true
	}
	return msid{}, false
}
