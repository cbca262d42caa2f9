package client

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// rtcpBufferSize fits any RTCP compound packet a receive MTU allows.
const rtcpBufferSize = 1500

// keyframeQueue is how many keyframe requests LocalTrack.KeyframeRequests
// holds before it coalesces new ones.
const keyframeQueue = 16

// LocalTrack is a track this participant publishes.
type LocalTrack struct {
	sid         string
	cid         string
	rids        []string
	track       webrtc.TrackLocal
	transceiver *webrtc.RTPTransceiver

	mu   sync.Mutex
	info *parleypb.TrackInfo

	muted     atomic.Bool
	keyframes chan string
	requests  atomic.Uint64
	// stamped are the layers the stamper writes (simulcast layers by rid,
	// an audio track under ""), for dynacast and audio levels.
	stamped map[string]*stampedLayer
}

func newLocalTrack(info *parleypb.TrackInfo, cid string, rids []string, tr *webrtc.RTPTransceiver, track webrtc.TrackLocal) *LocalTrack {
	t := &LocalTrack{
		sid: info.GetSid(), cid: cid, rids: rids, track: track, transceiver: tr,
		info: clone(info), keyframes: make(chan string, keyframeQueue),
	}
	t.muted.Store(info.GetMuted())
	return t
}

// Sid is the server-assigned track sid ("TR_...").
func (t *LocalTrack) Sid() string { return t.sid }

// CID is the client id of the track: the pion track's ID.
func (t *LocalTrack) CID() string { return t.cid }

// Info is the track as the server published it (a copy).
func (t *LocalTrack) Info() *parleypb.TrackInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	return clone(t.info)
}

// Track is the pion track that was published (the lowest layer for
// simulcast).
func (t *LocalTrack) Track() webrtc.TrackLocal { return t.track }

// Sender is the pion sender of the track.
func (t *LocalTrack) Sender() *webrtc.RTPSender { return t.transceiver.Sender() }

// RIDs are the simulcast layers' rids, lowest first; nil for a
// single-layer track.
func (t *LocalTrack) RIDs() []string { return append([]string(nil), t.rids...) }

// Muted reports whether the track is announced as muted.
func (t *LocalTrack) Muted() bool { return t.muted.Load() }

// KeyframeRequests receives the rid ("" for a single-layer track) of every
// PLI or FIR the server sends for this track: answer it with a keyframe on
// that layer. It holds 16 requests; while it is full new requests are
// coalesced (they ask for what the queued ones already ask for) and only
// counted in KeyframeRequestCount. It is never closed.
func (t *LocalTrack) KeyframeRequests() <-chan string { return t.keyframes }

// KeyframeRequestCount is the number of PLI/FIR received so far.
func (t *LocalTrack) KeyframeRequestCount() uint64 { return t.requests.Load() }

func (t *LocalTrack) setMuted(muted bool) {
	t.muted.Store(muted)
	t.mu.Lock()
	t.info.Muted = muted
	t.mu.Unlock()
}

// readRTCP drains the RTCP of one layer (rid "" for a single-layer track),
// which pion's interceptors need, and reports keyframe requests. It ends
// when the sender stops (unpublished or the PC closed).
func (t *LocalTrack) readRTCP(rid string) {
	sender := t.transceiver.Sender()
	buf := make([]byte, rtcpBufferSize)
	for {
		var n int
		var err error
		if rid == "" {
			n, _, err = sender.Read(buf)
		} else {
			n, _, err = sender.ReadSimulcast(buf, rid)
		}
		if err != nil {
			return
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue // a malformed compound packet; the next one may be fine
		}
		if wantsKeyframe(pkts) {
			t.requests.Add(1)
			select {
			case t.keyframes <- rid:
			default:
			}
		}
	}
}

func wantsKeyframe(pkts []rtcp.Packet) bool {
	for _, p := range pkts {
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			return true
		}
	}
	return false
}

// layerRIDs orders simulcast tracks lowest quality first and checks that
// they are one track in up to three distinct layers q, h, f.
func layerRIDs(layers []*webrtc.TrackLocalStaticRTP) ([]*webrtc.TrackLocalStaticRTP, []string, error) {
	if len(layers) == 0 || len(layers) > 3 {
		return nil, nil, fmt.Errorf("%w: simulcast needs 1 to 3 layers, got %d", ErrInvalidTrack, len(layers))
	}
	byQuality := make([]*webrtc.TrackLocalStaticRTP, 4)
	for _, l := range layers {
		switch {
		case l == nil:
			return nil, nil, fmt.Errorf("%w: nil simulcast layer", ErrInvalidTrack)
		case l.Kind() != webrtc.RTPCodecTypeVideo:
			return nil, nil, fmt.Errorf("%w: simulcast layers must be video", ErrInvalidTrack)
		case l.ID() != layers[0].ID() || l.StreamID() != layers[0].StreamID():
			return nil, nil, fmt.Errorf("%w: simulcast layers must share track and stream id", ErrInvalidTrack)
		}
		q := ridQuality(l.RID())
		if q == parleypb.VideoQuality_VIDEO_QUALITY_UNSPECIFIED {
			return nil, nil, fmt.Errorf(`%w: simulcast rid must be "q", "h" or "f", got %q`, ErrInvalidTrack, l.RID())
		}
		if byQuality[q] != nil {
			return nil, nil, fmt.Errorf("%w: duplicate simulcast rid %q", ErrInvalidTrack, l.RID())
		}
		byQuality[q] = l
	}
	var ordered []*webrtc.TrackLocalStaticRTP
	var rids []string
	for _, l := range byQuality {
		if l != nil {
			ordered = append(ordered, l)
			rids = append(rids, l.RID())
		}
	}
	return ordered, rids, nil
}

func ridQuality(rid string) parleypb.VideoQuality {
	switch rid {
	case "q":
		return parleypb.VideoQuality_VIDEO_QUALITY_LOW
	case "h":
		return parleypb.VideoQuality_VIDEO_QUALITY_MEDIUM
	case "f":
		return parleypb.VideoQuality_VIDEO_QUALITY_HIGH
	}
	return parleypb.VideoQuality_VIDEO_QUALITY_UNSPECIFIED
}
