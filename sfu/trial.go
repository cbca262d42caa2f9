package sfu

// trialDuration is how long a paused track is resumed on trial: time for
// a keyframe of its lowest layer, a probe and the feedback about it.
const trialDuration = 4e9

// trial is the controller's way out of a pause for bandwidth. While every
// video track is paused, nothing carries probe padding and the receiver
// acknowledges only audio, so the estimate could never grow back (GCC does
// not grow far beyond what is acknowledged) and the video would stay
// paused for good, however much the path could carry: an estimate cut on
// delay noise, from a loaded receiver for instance, would end the video.
// So the controller resumes the track waiting first at its lowest layer
// for trialDuration and probes on it. Each probe that gets through extends
// the trial; when the trial ends, the estimate decides as usual (and a
// trial that got nothing through backs the next one off like a failed
// probe). The cost of a failed trial is a few seconds of the lowest layer
// every probeBackoffMax at most.
//
// It belongs to the controller's goroutine.
type trial struct {
	on    bool
	track *DownTrack
	until int64
	wins  int // the prober's wins when the trial began or was extended
	won   bool
}

// start resumes d on trial; wins is the prober's count of successes.
func (t *trial) start(d *DownTrack, now int64, wins int) {
	*t = trial{on: true, track: d, until: now + trialDuration, wins: wins}
}

// covers reports whether d is resumed on trial.
func (t *trial) covers(d *DownTrack, now int64) bool {
	return t.on && t.track == d && now < t.until
}

// keep is what the estimate must carry for the trial's track to stay:
// what is forwarded now (0 without a trial).
func (t *trial) keep(used uint64) uint64 {
	if !t.on {
		return 0
	}
	return used
}

// step extends the trial after a probe got through and ends it when its
// time is up; it reports true when a trial ended without any probe
// getting through.
func (t *trial) step(now int64, wins int) (failed bool) {
	if !t.on {
		return false
	}
	if wins > t.wins {
		t.wins, t.won, t.until = wins, true, now+trialDuration
	}
	if now < t.until && !t.track.closed.Load() {
		return false
	}
	failed = !t.won
	*t = trial{}
	return failed
}
