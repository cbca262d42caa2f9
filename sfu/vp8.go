package sfu

// vp8Descriptor is the parsed VP8 payload descriptor (RFC 7741 section 4.2)
// of one packet, with the byte offsets a rewrite needs.
//
//	     0 1 2 3 4 5 6 7
//	    +-+-+-+-+-+-+-+-+
//	    |X|R|N|S|R| PID | (REQUIRED)
//	    +-+-+-+-+-+-+-+-+
//	X:  |I|L|T|K| RSV   | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
//	I:  |M| PictureID   | (OPTIONAL, 7 or 15 bits)
//	    +-+-+-+-+-+-+-+-+
//	L:  |   TL0PICIDX   | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
//	T/K:|TID|Y| KEYIDX  | (OPTIONAL)
//	    +-+-+-+-+-+-+-+-+
type vp8Descriptor struct {
	// Len is the descriptor length; the VP8 payload follows.
	Len int

	HasPictureID bool
	// PictureID15 tells a 15-bit picture id (M bit set) from a 7-bit one.
	PictureID15 bool
	PictureID   uint16
	pictureOff  int

	HasTL0PicIdx bool
	TL0PicIdx    uint8
	tl0Off       int

	HasTID    bool
	TID       uint8
	LayerSync bool // Y bit
	HasKeyIdx bool
	KeyIdx    uint8
	tkOff     int

	// Keyframe is set on the first packet of a key frame: S bit, partition
	// index 0 and the P bit of the VP8 payload header clear (RFC 7741
	// section 4.3, RFC 6386 section 9.1).
	Keyframe bool
}

// pictureIDMask returns the wrap mask of the descriptor's picture id.
func (d *vp8Descriptor) pictureIDMask() uint16 {
	if d.PictureID15 {
		return 0x7fff
	}
	return 0x7f
}

// parseVP8Descriptor parses the descriptor at the start of a VP8 RTP
// payload. It reports false for a payload too short for what it announces.
func parseVP8Descriptor(p []byte, d *vp8Descriptor) bool {
	*d = vp8Descriptor{}
	if len(p) < 1 {
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X
		if len(p) < 2 {
			return false
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I
			if len(p) < i+1 {
				return false
			}
			d.HasPictureID = true
			d.pictureOff = i
			if p[i]&0x80 != 0 { // M: 15-bit picture id
				if len(p) < i+2 {
					return false
				}
				d.PictureID15 = true
				d.PictureID = uint16(p[i]&0x7f)<<8 | uint16(p[i+1])
				i += 2
			} else {
				d.PictureID = uint16(p[i])
				i++
			}
		}
		if x&0x40 != 0 { // L
			if len(p) < i+1 {
				return false
			}
			d.HasTL0PicIdx = true
			d.tl0Off = i
			d.TL0PicIdx = p[i]
			i++
		}
		if x&0x30 != 0 { // T or K
			if len(p) < i+1 {
				return false
			}
			d.tkOff = i
			if x&0x20 != 0 {
				d.HasTID = true
				d.TID = p[i] >> 6
				d.LayerSync = p[i]&0x20 != 0
			}
			if x&0x10 != 0 {
				d.HasKeyIdx = true
				d.KeyIdx = p[i] & 0x1f
			}
			i++
		}
	}
	d.Len = i
	start := p[0]&0x10 != 0 && p[0]&0x07 == 0 // S bit, partition 0
	d.Keyframe = start && len(p) > i && p[i]&0x01 == 0
	return true
}

// vp8Fields are the values a down-track writes into a descriptor.
type vp8Fields struct {
	PictureID uint16
	TL0PicIdx uint8
	KeyIdx    uint8
}

// rewriteVP8 copies payload into dst with the descriptor's picture id,
// TL0PICIDX and KEYIDX replaced by f, and returns the copy. dst must be at
// least len(payload) long. Field widths are kept, so the length is too.
func rewriteVP8(dst, payload []byte, d *vp8Descriptor, f vp8Fields) []byte {
	out := dst[:copy(dst, payload)]
	if d.HasPictureID {
		if d.PictureID15 {
			out[d.pictureOff] = 0x80 | byte(f.PictureID>>8)&0x7f
			out[d.pictureOff+1] = byte(f.PictureID)
		} else {
			out[d.pictureOff] = byte(f.PictureID) & 0x7f
		}
	}
	if d.HasTL0PicIdx {
		out[d.tl0Off] = f.TL0PicIdx
	}
	if d.HasKeyIdx {
		out[d.tkOff] = out[d.tkOff]&0xe0 | f.KeyIdx&0x1f
	}
	return out
}
