package sfu

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// SpeakerConfig tunes active speaker detection.
type SpeakerConfig struct {
	// Interval is how often levels are read and smoothed.
	Interval time.Duration `yaml:"interval"`
	// Smoothing is the weight of the newest interval in the running level,
	// an exponential average of dBov (averaging decibels rather than
	// amplitudes, a short loud blip moves it little).
	Smoothing float64 `yaml:"smoothing"`
	// OnLevel and OffLevel are the speaking thresholds in dBov (RFC 6464:
	// 0 loudest, -127 silence): a participant starts speaking when its
	// smoothed level rises above OnLevel for OnTime and stops when it stays
	// below OffLevel for OffTime. The gap between them and the times are
	// the hysteresis that keeps the speaker list from flapping.
	OnLevel  float64       `yaml:"on_level"`
	OffLevel float64       `yaml:"off_level"`
	OnTime   time.Duration `yaml:"on_time"`
	OffTime  time.Duration `yaml:"off_time"`
}

// DefaultSpeakerConfig returns the defaults.
func DefaultSpeakerConfig() SpeakerConfig {
	return SpeakerConfig{
		Interval:  100 * time.Millisecond,
		Smoothing: 0.4,
		OnLevel:   -50,
		OffLevel:  -60,
		OnTime:    200 * time.Millisecond,
		OffTime:   1 * time.Second,
	}
}

// AudioLevelReader is an audio track whose RFC 6464 levels the detector
// reads ([Receiver] implements it).
type AudioLevelReader interface {
	// ConsumeAudioLevel returns the average level (-dBov) of the packets
	// since the last call and how many there were.
	ConsumeAudioLevel() (level float64, packets int)
}

// Speaker is one participant in a speakers update.
type Speaker struct {
	// ID is what the audio tracks were added under (a participant sid).
	ID string
	// Level is the smoothed amplitude, 0 (silence) to 1 (0 dBov).
	Level float64
	// Active is false for a participant that just stopped speaking.
	Active bool
}

// SpeakerDetector finds the active speakers among audio tracks. Its Run
// loop (a goroutine of the caller's, so that the caller's shutdown waits
// for it) reads each track's level once per interval (the readers only
// add to an atomic per packet) and calls onChange with the speakers,
// loudest first, whenever the set of speakers or the loudest one changes;
// a participant that stopped speaking is in that call once, inactive.
type SpeakerDetector struct {
	cfg      SpeakerConfig
	onChange func([]Speaker)
	stop     chan struct{}
	once     sync.Once

	mu     sync.Mutex
	tracks map[string]speakerTrack // by track id

	// goroutine-owned
	state map[string]*speakerState // by participant id
	last  []string                 // the active set last reported, loudest first
}

type speakerTrack struct {
	owner string
	src   AudioLevelReader
}

type speakerState struct {
	level   float64 // smoothed dBov
	active  bool
	above   time.Duration // how long above OnLevel (while inactive)
	below   time.Duration // how long below OffLevel (while active)
	present bool
}

// NewSpeakerDetector returns a detector; run its Run loop in a goroutine
// and end it with Stop.
func NewSpeakerDetector(cfg SpeakerConfig, onChange func([]Speaker)) *SpeakerDetector {
	if cfg.Interval <= 0 {
		cfg = DefaultSpeakerConfig()
	}
	return &SpeakerDetector{
		cfg:      cfg,
		onChange: onChange,
		stop:     make(chan struct{}),
		tracks:   map[string]speakerTrack{},
		state:    map[string]*speakerState{},
	}
}

// Add watches an audio track of participant owner.
func (d *SpeakerDetector) Add(trackID, owner string, src AudioLevelReader) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tracks[trackID] = speakerTrack{owner: owner, src: src}
}

// Remove stops watching a track.
func (d *SpeakerDetector) Remove(trackID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.tracks, trackID)
}

// Stop ends Run; it does not wait, so it may be called under the locks
// onChange takes.
func (d *SpeakerDetector) Stop() {
	d.once.Do(func() { close(d.stop) })
}

// Run reads the levels every interval until Stop.
func (d *SpeakerDetector) Run() {
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		if speakers, changed := d.tick(); changed && d.onChange != nil {
			d.onChange(speakers)
		}
	}
}

// tick reads every track once and returns the speakers when they changed.
func (d *SpeakerDetector) tick() ([]Speaker, bool) {
	d.mu.Lock()
	levels := map[string]float64{}
	for _, t := range d.tracks {
		lvl, n := t.src.ConsumeAudioLevel()
		db := float64(silenceDBov)
		if n > 0 {
			db = -lvl
		}
		if cur, ok := levels[t.owner]; !ok || db > cur {
			levels[t.owner] = db
		}
	}
	d.mu.Unlock()

	for id, st := range d.state {
		if _, ok := levels[id]; !ok {
			st.present, st.active = false, false // its tracks are gone
		}
	}
	for id, db := range levels {
		st := d.state[id]
		if st == nil {
			st = &speakerState{level: float64(silenceDBov)}
			d.state[id] = st
		}
		st.present = true
		st.level += d.cfg.Smoothing * (db - st.level)
		d.hysteresis(st, d.cfg.OnLevel, d.cfg.OffLevel)
	}
	return d.report()
}

// hysteresis moves a participant between speaking and silent.
func (d *SpeakerDetector) hysteresis(st *speakerState, on, off float64) {
	switch {
	case !st.active && st.level >= on:
		st.above += d.cfg.Interval
		if st.above >= d.cfg.OnTime {
			st.active, st.below = true, 0
		}
	case !st.active:
		st.above = 0
	case st.level < off:
		st.below += d.cfg.Interval
		if st.below >= d.cfg.OffTime {
			st.active, st.above = false, 0
		}
	default:
		st.below = 0
	}
}

// report lists the speakers when the set or the loudest changed, with
// those who stopped (or left) once as inactive.
func (d *SpeakerDetector) report() ([]Speaker, bool) {
	var active []Speaker
	for id, st := range d.state {
		if st.active && st.present {
			active = append(active, Speaker{ID: id, Level: dBovToAmplitude(st.level), Active: true})
		}
	}
	slices.SortFunc(active, func(a, b Speaker) int {
		if c := cmp.Compare(b.Level, a.Level); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	ids := make([]string, len(active))
	for i, s := range active {
		ids[i] = s.ID
	}
	changed := len(ids) != len(d.last) || (len(ids) > 0 && ids[0] != d.last[0])
	if !changed {
		for _, id := range ids {
			if !slices.Contains(d.last, id) {
				changed = true
				break
			}
		}
	}
	if !changed {
		return nil, false
	}
	out := active
	for _, id := range d.last {
		if !slices.Contains(ids, id) {
			lvl := 0.0
			if st := d.state[id]; st != nil {
				lvl = dBovToAmplitude(st.level)
			}
			out = append(out, Speaker{ID: id, Level: lvl})
		}
	}
	d.last = ids
	for id, st := range d.state {
		if !st.present {
			delete(d.state, id)
		}
	}
	return out, true
}

// silenceDBov is the level of silence (RFC 6464: -127 dBov).
const silenceDBov = -127

// dBovToAmplitude converts a level in dBov (<= 0) to a linear amplitude.
func dBovToAmplitude(db float64) float64 {
	return math.Pow(10, min(db, 0)/20)
}
