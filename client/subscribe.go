package client

import (
	"context"

	"github.com/parley-sfu/parley/proto/parleypb"
)

// SubscriptionPrefs say how to receive a video track. The zero value asks
// for the highest layer, unpaused.
type SubscriptionPrefs struct {
	// Width and Height of the place the video is shown in; the server picks
	// the smallest layer at least this big that the bandwidth allows.
	Width, Height uint32
	FPS           uint32
	// Paused keeps the subscription but stops the media.
	Paused bool
	// Quality, when set, overrides Width and Height.
	Quality parleypb.VideoQuality
}

// Subscribe asks for a track (needed with WithAutoSubscribe(false)). The
// track arrives as a TrackSubscribed event (or from WaitForTrack); a
// refusal as a SubscriptionFailed event (and from WaitForTrack).
func (r *Room) Subscribe(trackSid string, prefs SubscriptionPrefs) error {
	return r.updateSubscription(trackSid, true, prefs)
}

// UpdateSubscription changes the preferences of a subscribed track, e.g.
// its size when the tile is resized or Paused when it scrolls off screen.
func (r *Room) UpdateSubscription(trackSid string, prefs SubscriptionPrefs) error {
	return r.updateSubscription(trackSid, true, prefs)
}

// Unsubscribe stops receiving a track; a TrackUnsubscribed event follows
// when the server has removed it from the subscriber connection.
func (r *Room) Unsubscribe(trackSid string) error {
	return r.updateSubscription(trackSid, false, SubscriptionPrefs{})
}

func (r *Room) updateSubscription(sid string, subscribe bool, p SubscriptionPrefs) error {
	return r.send(&parleypb.SignalRequest{Message: &parleypb.SignalRequest_Subscription{
		Subscription: &parleypb.UpdateSubscriptionRequest{Tracks: []*parleypb.TrackSubscription{{
			TrackSid:  sid,
			Subscribe: subscribe,
			Width:     p.Width,
			Height:    p.Height,
			Fps:       p.FPS,
			Paused:    p.Paused,
			Quality:   p.Quality,
		}}},
	}})
}

// WaitForTrack returns the subscribed track trackSid as soon as its media
// arrives (at once if it already has), the *Error of a refused
// subscription, ErrClosed, or ctx's error.
func (r *Room) WaitForTrack(ctx context.Context, trackSid string) (*RemoteTrack, error) {
	ch, cancel := r.state.wait(trackSid)
	defer cancel()
	select {
	case res := <-ch:
		return res.track, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// RemoteTracks are the subscribed tracks whose media has arrived, by sid.
func (r *Room) RemoteTracks() []*RemoteTrack { return r.state.subscribedTracks() }
