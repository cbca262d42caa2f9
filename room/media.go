package room

import (
	"slices"

	"github.com/parley-sfu/parley/sfu"
)

// Media quality: the room's side of what the media plane decides about
// speakers, stream states and simulcast layers. The sfu calls back from its
// own goroutines (never under a room lock); the room turns the callbacks
// into events and keeps the subscribers' bandwidth priorities current.

// SpeakerInfo is one participant in a speakers update.
type SpeakerInfo struct {
	ParticipantSID string
	// Level is the smoothed amplitude, 0 (silence) to 1 (loudest).
	Level float32
	// Active is false for a participant that just stopped speaking.
	Active bool
}

// SpeakersChangedEvent: the active speakers of the room, loudest first
// (sent to everyone, the speakers included).
type SpeakersChangedEvent struct{ Speakers []SpeakerInfo }

// StreamStateEvent: subscribed video tracks paused (for bandwidth, by the
// subscriber, by the publisher) or resumed, or forwarded at another layer.
// TrackID is the track sid and Publisher the publisher's participant sid.
type StreamStateEvent struct{ Streams []sfu.StreamState }

// SubscribedQuality says whether subscribers need one simulcast layer.
type SubscribedQuality struct {
	Quality sfu.Quality
	Enabled bool
}

// SubscribedQualityEvent (dynacast), sent to a publisher: which layers of
// one of its tracks anyone needs; it should stop sending the others.
type SubscribedQualityEvent struct {
	TrackSID  string
	Qualities []SubscribedQuality
}

func (SpeakersChangedEvent) isEvent()   {}
func (StreamStateEvent) isEvent()       {}
func (SubscribedQualityEvent) isEvent() {}

// watchSpeakerLocked adds a live audio track to the room's speaker
// detection, starting the detector with the first one.
func (r *Room) watchSpeakerLocked(t *publishedTrack) {
	src, ok := t.source.(sfu.AudioLevelReader)
	if !ok || t.info.Kind != KindAudio || r.closed {
		return
	}
	if r.speakers == nil {
		det := sfu.NewSpeakerDetector(sfu.DefaultSpeakerConfig(), r.onSpeakers)
		r.speakers = det
		r.m.goTracked(det.Run)
	}
	r.speakers.Add(t.info.SID, t.owner.sid, src)
}

// unwatchSpeakerLocked removes a track from speaker detection.
func (r *Room) unwatchSpeakerLocked(t *publishedTrack) {
	if r.speakers != nil {
		r.speakers.Remove(t.info.SID)
	}
}

// stopSpeakersLocked ends speaker detection (the room closes).
func (r *Room) stopSpeakersLocked() {
	if r.speakers != nil {
		r.speakers.Stop()
		r.speakers = nil
	}
}

// onSpeakers is the detector's callback.
func (r *Room) onSpeakers(speakers []sfu.Speaker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	ev := SpeakersChangedEvent{Speakers: make([]SpeakerInfo, len(speakers))}
	r.speaking = r.speaking[:0]
	for i, s := range speakers {
		ev.Speakers[i] = SpeakerInfo{ParticipantSID: s.ID, Level: float32(s.Level), Active: s.Active}
		if s.Active {
			r.speaking = append(r.speaking, s.ID)
		}
	}
	r.broadcastLocked(nil, ev)
	for _, p := range r.participants {
		for sid, dt := range p.subs {
			if t, ok := r.tracks[sid]; ok {
				dt.SetPriority(r.priorityLocked(t))
			}
		}
	}
}

// priorityLocked is a track's priority in its subscribers' bandwidth
// allocation: screen shares first, then the cameras of active speakers.
func (r *Room) priorityLocked(t *publishedTrack) sfu.Priority {
	switch {
	case t.info.Source == SourceScreenShare:
		return sfu.PriorityScreen
	case t.info.Kind == KindVideo && slices.Contains(r.speaking, t.owner.sid):
		return sfu.PrioritySpeaker
	}
	return sfu.PriorityNormal
}

// onSubscribedLayers is the publisher connection's dynacast callback.
func (p *Participant) onSubscribedLayers(rcv *sfu.Receiver, layers uint8) {
	r := p.room
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tracks[rcv.ID()]
	if !ok || t.owner != p || p.closed {
		return
	}
	n := max(len(rcv.Layers()), 1)
	ev := SubscribedQualityEvent{TrackSID: t.info.SID}
	for i := range n {
		ev.Qualities = append(ev.Qualities, SubscribedQuality{
			Quality: sfu.QualityOfLayer(int8(i), n),
			Enabled: layers&(1<<i) != 0,
		})
	}
	p.sink.Send(ev)
}

// onStreamState is the subscriber connection's callback.
func (p *Participant) onStreamState(states []sfu.StreamState) {
	p.room.mu.Lock()
	defer p.room.mu.Unlock()
	if !p.closed {
		p.sink.Send(StreamStateEvent{Streams: states})
	}
}
