package client

// levelSet marks a stamped layer's level as set.
const levelSet = 0x100

// SetAudioLevel sets the audio level (RFC 6464) the SDK writes on every
// packet of this audio track from now on, for the server's active speaker
// detection: level is in -dBov (0 loudest, 127 silence) and voice is the
// voice activity flag. Applications that measure their audio call it as
// often as the level changes; a browser does the same on its own. It does
// nothing for video tracks.
func (t *LocalTrack) SetAudioLevel(level uint8, voice bool) {
	sl, ok := t.stamped[""]
	if !ok || len(t.rids) > 0 {
		return
	}
	v := uint32(min(level, 127)) | levelSet
	if voice {
		v |= 0x80
	}
	sl.level.Store(v)
}
