package client

import (
	"context"
	"fmt"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// TrackOptions describe a track to publish.
type TrackOptions struct {
	// Name is shown to others; optional.
	Name string
	// Source defaults to TRACK_SOURCE_CAMERA for video and
	// TRACK_SOURCE_MICROPHONE for audio.
	Source parleypb.TrackSource
	// Width and Height of the video (of the highest simulcast layer).
	Width, Height uint32
	// Muted publishes the track muted.
	Muted bool
	// DTX and RED announce Opus options.
	DTX, RED bool
	// Layers describes the simulcast layers of PublishSimulcast, lowest
	// first. When empty they are derived from the rids and Width/Height:
	// "f" full size, "h" half, "q" quarter.
	Layers []*parleypb.SimulcastLayer
}

// PublishTrack publishes a single-layer track: it announces the track
// (AddTrackRequest with cid = track.ID()), waits for the server to accept
// it (bounded by ctx and the request timeout; a refusal is the server's
// *Error, e.g. ERROR_CODE_PERMISSION_DENIED without the publish grant),
// then adds it to the publisher connection and negotiates.
//
// Write media into track as usual with pion (TrackLocalStaticSample or
// TrackLocalStaticRTP); answer LocalTrack.KeyframeRequests with keyframes.
func (r *Room) PublishTrack(ctx context.Context, track webrtc.TrackLocal, opts TrackOptions) (*LocalTrack, error) {
	if track == nil {
		return nil, fmt.Errorf("%w: nil track", ErrInvalidTrack)
	}
	if track.RID() != "" {
		return nil, fmt.Errorf("%w: track has rid %q: use PublishSimulcast", ErrInvalidTrack, track.RID())
	}
	req, err := addTrackRequest(track, opts)
	if err != nil {
		return nil, err
	}
	return r.pub.publish(ctx, req, []webrtc.TrackLocal{track}, nil)
}

// PublishSimulcast publishes one video track in up to three simulcast
// layers: TrackLocalStaticRTPs with the same ID and stream ID and rids "q",
// "h", "f" (webrtc.WithRTPStreamID), in any order. Write each layer's RTP
// into its track; the SDK adds the mid and rid header extensions the
// server needs to tell the layers apart. A keyframe request names the
// layer's rid.
func (r *Room) PublishSimulcast(ctx context.Context, layers []*webrtc.TrackLocalStaticRTP, opts TrackOptions) (*LocalTrack, error) {
	ordered, rids, err := layerRIDs(layers)
	if err != nil {
		return nil, err
	}
	req, err := addTrackRequest(ordered[0], opts)
	if err != nil {
		return nil, err
	}
	if req.Layers, err = simulcastLayers(rids, opts); err != nil {
		return nil, err
	}
	tracks := make([]webrtc.TrackLocal, len(ordered))
	for i, l := range ordered {
		tracks[i] = l
	}
	return r.pub.publish(ctx, req, tracks, rids)
}

func addTrackRequest(track webrtc.TrackLocal, opts TrackOptions) (*parleypb.AddTrackRequest, error) {
	req := &parleypb.AddTrackRequest{
		Cid:    track.ID(),
		Name:   opts.Name,
		Source: opts.Source,
		Width:  opts.Width,
		Height: opts.Height,
		Muted:  opts.Muted,
		Dtx:    opts.DTX,
		Red:    opts.RED,
	}
	if req.Cid == "" {
		return nil, fmt.Errorf("%w: track has no ID", ErrInvalidTrack)
	}
	switch track.Kind() {
	case webrtc.RTPCodecTypeAudio:
		req.Kind = parleypb.TrackKind_TRACK_KIND_AUDIO
		if req.Source == parleypb.TrackSource_TRACK_SOURCE_UNSPECIFIED {
			req.Source = parleypb.TrackSource_TRACK_SOURCE_MICROPHONE
		}
	case webrtc.RTPCodecTypeVideo:
		req.Kind = parleypb.TrackKind_TRACK_KIND_VIDEO
		if req.Source == parleypb.TrackSource_TRACK_SOURCE_UNSPECIFIED {
			req.Source = parleypb.TrackSource_TRACK_SOURCE_CAMERA
		}
	default:
		return nil, fmt.Errorf("%w: unknown kind %v", ErrInvalidTrack, track.Kind())
	}
	return req, nil
}

// simulcastLayers returns the announced layers: opts.Layers when given
// (one per rid, rids as published), else derived from the rids.
func simulcastLayers(rids []string, opts TrackOptions) ([]*parleypb.SimulcastLayer, error) {
	if len(opts.Layers) > 0 {
		if len(opts.Layers) != len(rids) {
			return nil, fmt.Errorf("%w: %d layers described for %d rids", ErrInvalidTrack, len(opts.Layers), len(rids))
		}
		out := make([]*parleypb.SimulcastLayer, len(rids))
		for i, l := range opts.Layers {
			if l.GetRid() != rids[i] {
				return nil, fmt.Errorf("%w: layer %d has rid %q, want %q (lowest first)", ErrInvalidTrack, i, l.GetRid(), rids[i])
			}
			out[i] = clone(l)
			if out[i].Quality == parleypb.VideoQuality_VIDEO_QUALITY_UNSPECIFIED {
				out[i].Quality = ridQuality(rids[i])
			}
		}
		return out, nil
	}
	out := make([]*parleypb.SimulcastLayer, len(rids))
	for i, rid := range rids {
		div := map[string]uint32{"f": 1, "h": 2, "q": 4}[rid]
		out[i] = &parleypb.SimulcastLayer{Quality: ridQuality(rid), Rid: rid, Width: opts.Width / div, Height: opts.Height / div}
	}
	return out, nil
}

// Unpublish stops publishing t: it tells the server, removes the track
// from the publisher connection and renegotiates.
func (r *Room) Unpublish(t *LocalTrack) error {
	if err := r.send(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_RemoveTrack{
		RemoveTrack: &parleypb.RemoveTrackRequest{TrackSid: t.Sid()},
	}}); err != nil {
		return err
	}
	return r.pub.unpublish(t)
}

// MuteTrack announces t as muted or unmuted. Media keeps flowing if you
// keep writing it; a muted bot should stop writing.
func (r *Room) MuteTrack(t *LocalTrack, muted bool) error {
	if err := r.send(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Mute{
		Mute: &parleypb.MuteTrackRequest{TrackSid: t.Sid(), Muted: muted},
	}}); err != nil {
		return err
	}
	t.setMuted(muted)
	return nil
}

// LocalTracks are the tracks this participant publishes.
func (r *Room) LocalTracks() []*LocalTrack { return r.pub.localTracks() }
