package room

import (
	"fmt"
	"io"

	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/sfu"
)

// AddTrackParams announce a track the client is about to publish.
type AddTrackParams struct {
	// CID is the client's id of the track: the msid track id in its SDP.
	CID           string
	Name          string
	Kind          TrackKind
	Source        TrackSource
	Width, Height uint32
	Muted         bool
	// Layers are the simulcast layers, lowest first; empty for one layer.
	Layers   []sfu.LayerInfo
	DTX, RED bool
}

// publishedTrack is a track of a participant, announced or live. Its fields
// are guarded by the room lock.
type publishedTrack struct {
	info   TrackInfo
	cid    string
	owner  *Participant
	seq    int             // publish order within the participant
	source sfu.TrackSource // nil until media arrives
}

// AddTrack announces a track. It becomes visible to others when its media
// arrives on the publisher PC.
func (p *Participant) AddTrack(params AddTrackParams) (TrackInfo, error) {
	if err := validateTrackParams(&params); err != nil {
		return TrackInfo{}, err
	}
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return TrackInfo{}, err
	}
	if !p.perm.CanPublish || !p.perm.allowsSource(params.Source) {
		return TrackInfo{}, fmt.Errorf("%w: no grant to publish this track", ErrPermissionDenied)
	}
	if max := r.m.cfg.MaxTracks; max > 0 && len(p.tracks)+len(p.pending) >= max {
		return TrackInfo{}, fmt.Errorf("%w: a participant may publish %d tracks", ErrTooManyTracks, max)
	}
	if _, dup := p.pending[params.CID]; dup || p.liveTrackByCIDLocked(params.CID) != nil {
		return TrackInfo{}, fmt.Errorf("%w: track %q is already published", ErrInvalidArgument, params.CID)
	}
	p.trackSeq++
	t := &publishedTrack{
		cid:   params.CID,
		owner: p,
		seq:   p.trackSeq,
		info: TrackInfo{
			SID:                 newID("TR_"),
			ParticipantSID:      p.sid,
			ParticipantIdentity: p.identity,
			Kind:                params.Kind,
			Source:              params.Source,
			Name:                params.Name,
			Muted:               params.Muted,
			Width:               params.Width,
			Height:              params.Height,
			Simulcast:           len(params.Layers) > 1,
			Layers:              params.Layers,
			DTX:                 params.DTX,
			RED:                 params.RED,
		},
	}
	p.pending[params.CID] = t
	return t.info, nil
}

func validateTrackParams(params *AddTrackParams) error {
	if params.CID == "" || len(params.CID) > 256 {
		return fmt.Errorf("%w: track cid must have 1 to 256 characters", ErrInvalidArgument)
	}
	if len(params.Name) > 256 {
		return fmt.Errorf("%w: track name is longer than 256 characters", ErrInvalidArgument)
	}
	if len(params.Layers) > sfu.MaxLayers {
		return fmt.Errorf("%w: at most %d simulcast layers", ErrInvalidArgument, sfu.MaxLayers)
	}
	if params.Source == SourceUnknown {
		switch params.Kind {
		case KindAudio:
			params.Source = SourceMicrophone
		case KindVideo:
			params.Source = SourceCamera
		}
	}
	video := params.Source == SourceCamera || params.Source == SourceScreenShare
	switch {
	case params.Kind != KindAudio && params.Kind != KindVideo:
		return fmt.Errorf("%w: track kind must be audio or video", ErrInvalidArgument)
	case video != (params.Kind == KindVideo):
		return fmt.Errorf("%w: a %s track cannot have that source", ErrInvalidArgument, params.Kind)
	case params.Kind == KindAudio && len(params.Layers) > 0:
		return fmt.Errorf("%w: audio has no simulcast layers", ErrInvalidArgument)
	}
	return nil
}

func (p *Participant) liveTrackByCIDLocked(cid string) *publishedTrack {
	for _, t := range p.tracks {
		if t.cid == cid {
			return t
		}
	}
	return nil
}

// RemoveTrack unpublishes a track of the participant.
func (p *Participant) RemoveTrack(sid string) error {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return err
	}
	if t, ok := p.tracks[sid]; ok {
		r.unpublishLocked(t)
		if c, ok := t.source.(io.Closer); ok {
			// Stop reading it now, not when the client renegotiates it
			// away (outside the lock: it stops pion's receiver).
			r.m.goTracked(func() { _ = c.Close() })
		}
		return nil
	}
	for cid, t := range p.pending {
		if t.info.SID == sid {
			delete(p.pending, cid)
			return nil
		}
	}
	return fmt.Errorf("%w: participant has no track %q", ErrTrackNotFound, sid)
}

// SetTrackMuted mutes or unmutes one of the participant's tracks. When
// byAdmin is set the participant itself is told too, so its client stops
// sending.
func (p *Participant) SetTrackMuted(sid string, muted, byAdmin bool) (TrackInfo, error) {
	r := p.room
	if p.IsRemote() {
		if c := r.m.cluster; c != nil && byAdmin {
			return c.MuteRemote(r, p.Info(), sid, muted)
		}
		return TrackInfo{}, fmt.Errorf("%w: %q is connected to another node", ErrPermissionDenied, p.identity)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return TrackInfo{}, err
	}
	t, live := p.tracks[sid]
	if !live {
		for _, pt := range p.pending {
			if pt.info.SID == sid {
				t = pt
			}
		}
	}
	if t == nil {
		return TrackInfo{}, fmt.Errorf("%w: participant has no track %q", ErrTrackNotFound, sid)
	}
	if t.info.Muted == muted {
		return t.info, nil
	}
	t.info.Muted = muted
	ev := TrackMutedEvent{TrackSID: sid, ParticipantSID: p.sid, Muted: muted}
	if live {
		r.broadcastLocked(p, ev)
		r.tellClusterLocked(ev)
	}
	if byAdmin {
		p.sink.Send(ev) // its client must stop sending, published yet or not
	}
	return t.info, nil
}

// resolveTrack names a track arriving on the publisher PC (sfu callback).
func (p *Participant) resolveTrack(cid string, kind webrtc.RTPCodecType) (sfu.TrackSpec, error) {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := p.checkOpenLocked(); err != nil {
		return sfu.TrackSpec{}, err
	}
	t, ok := p.pending[cid]
	if !ok {
		return sfu.TrackSpec{}, fmt.Errorf("%w: track %q was not announced with add_track", ErrTrackNotFound, cid)
	}
	if (kind == webrtc.RTPCodecTypeAudio) != (t.info.Kind == KindAudio) {
		return sfu.TrackSpec{}, fmt.Errorf("%w: track %q was announced as %s", ErrInvalidArgument, cid, t.info.Kind)
	}
	return sfu.TrackSpec{ID: t.info.SID, Layers: t.info.Layers}, nil
}

// onTrack makes a track live once its first media arrived (sfu callback).
func (p *Participant) onTrack(src *sfu.Receiver) {
	r := p.room
	r.mu.Lock()
	t, ok := p.pending[src.ClientID()]
	if !ok || p.closed {
		r.mu.Unlock()
		return
	}
	delete(p.pending, src.ClientID())
	t.source = src
	t.info.MimeType = src.Codec().MimeType
	r.publishLocked(t)
	r.mu.Unlock()
	p.log.Info("track published", "track", t.info.SID, "kind", t.info.Kind, "mime", t.info.MimeType)

	r.m.goTracked(func() {
		<-src.Done()
		r.mu.Lock()
		r.unpublishLocked(t)
		r.mu.Unlock()
	})
}
