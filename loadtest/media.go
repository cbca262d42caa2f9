package loadtest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

// The clips publishers loop, made by media/gen.sh with ffmpeg: VP8 (IVF)
// and H.264 (Annex B) at three simulcast sizes, 30 fps, a keyframe every
// 2 s, and Opus (Ogg) in 20 ms packets.
//
//go:embed media/*.ivf media/*.h264 media/*.ogg
var mediaFiles embed.FS

// Simulcast layers, lowest first, as the clips are named.
func layerRIDs() [3]string { return [3]string{"q", "h", "f"} }

// layerSizes are the clips' frame sizes by layer.
func layerSizes() [3]Tile { return [3]Tile{{320, 180}, {640, 360}, {1280, 720}} }

const (
	videoFPS       = 30
	videoClockRate = 90000
	opusFrame      = 20 * time.Millisecond
	opusClockRate  = 48000
)

// frame is one encoded video frame or audio packet of a clip.
type frame struct {
	data []byte
	key  bool
	// split is where an H.264 access unit takes the SEI carrying the send
	// time: before its first slice.
	split int
}

// clip is a looped sequence of frames at a fixed rate.
type clip struct {
	frames    []frame
	keyframes []int // indexes of keyframes, ascending; frame 0 is one
	interval  time.Duration
	tsStep    uint32 // RTP timestamp increment per frame
}

// nextKeyframe returns the first keyframe at or after index i, wrapping
// to the start of the loop.
func (c *clip) nextKeyframe(i int) int {
	for _, k := range c.keyframes {
		if k >= i {
			return k
		}
	}
	return 0
}

// bitrate is the clip's average bit rate in bits per second.
func (c *clip) bitrate() float64 {
	n := 0
	for _, f := range c.frames {
		n += len(f.data)
	}
	return float64(n*8) / (time.Duration(len(c.frames)) * c.interval).Seconds()
}

// mediaSet is what the publishers of one run send.
type mediaSet struct {
	codec  Codec
	layers [3]*clip // q, h, f
	audio  *clip
}

// loadMedia parses the embedded clips of a codec.
func loadMedia(codec Codec) (*mediaSet, error) {
	m := &mediaSet{codec: codec}
	for i, rid := range layerRIDs() {
		var err error
		switch codec {
		case CodecVP8:
			m.layers[i], err = loadIVF("media/vp8_" + rid + ".ivf")
		case CodecH264:
			m.layers[i], err = loadH264("media/h264_" + rid + ".h264")
		default:
			err = codec.validate()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: layer %s: %w", ErrMedia, rid, err)
		}
	}
	var err error
	if m.audio, err = loadOgg("media/opus.ogg"); err != nil {
		return nil, fmt.Errorf("%w: opus: %w", ErrMedia, err)
	}
	return m, nil
}

// newClip indexes the keyframes of frames.
func newClip(frames []frame, interval time.Duration, tsStep uint32) (*clip, error) {
	c := &clip{frames: frames, interval: interval, tsStep: tsStep}
	for i, f := range frames {
		if f.key {
			c.keyframes = append(c.keyframes, i)
		}
	}
	if len(frames) == 0 || !frames[0].key {
		return nil, errors.New("clip does not start with a keyframe")
	}
	return c, nil
}

// loadIVF reads a VP8 clip; a frame is a keyframe when the P bit of its
// frame tag is clear (RFC 6386 section 9.1).
func loadIVF(name string) (*clip, error) {
	raw, err := mediaFiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	r, hdr, err := ivfreader.NewWith(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if hdr.FourCC != "VP80" {
		return nil, fmt.Errorf("%s holds %q, not VP8", name, hdr.FourCC)
	}
	var frames []frame
	for {
		data, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(data) < 3 {
			return nil, fmt.Errorf("%s: frame %d is %d bytes", name, len(frames), len(data))
		}
		frames = append(frames, frame{data: data, key: data[0]&1 == 0})
	}
	return newClip(frames, time.Second/videoFPS, videoClockRate/videoFPS)
}

// H.264 NAL unit types (ITU-T H.264 table 7-1).
const (
	naluSlice = 1
	naluIDR   = 5
	naluSEI   = 6
	naluAUD   = 9
)

const annexBStart = "\x00\x00\x00\x01"

// loadH264 reads an Annex B clip whose access units start with an access
// unit delimiter. AUDs are dropped (WebRTC does not send them); the SEI
// with the send time goes before the first slice.
func loadH264(name string) (*clip, error) {
	raw, err := mediaFiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	r, err := h264reader.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	var frames []frame
	var cur *frame
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t := int(nal.UnitType)
		if t == naluAUD {
			frames = append(frames, frame{split: -1})
			cur = &frames[len(frames)-1]
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s does not start with an access unit delimiter", name)
		}
		if (t == naluSlice || t == naluIDR) && cur.split < 0 {
			cur.split = len(cur.data)
		}
		cur.key = cur.key || t == naluIDR
		cur.data = append(cur.data, annexBStart...)
		cur.data = append(cur.data, nal.Data...)
	}
	for i, f := range frames {
		if f.split < 0 {
			return nil, fmt.Errorf("%s: access unit %d has no slice", name, i)
		}
	}
	return newClip(frames, time.Second/videoFPS, videoClockRate/videoFPS)
}

// loadOgg reads the Opus packets of an Ogg file (RFC 3533 pages, RFC 7845
// mapping), skipping the two header packets.
func loadOgg(name string) (*clip, error) {
	raw, err := mediaFiles.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var packets [][]byte
	var pending []byte
	for len(raw) > 0 {
		if len(raw) < 27 || string(raw[:4]) != "OggS" {
			return nil, fmt.Errorf("%s: bad Ogg page at %d bytes from the end", name, len(raw))
		}
		nsegs := int(raw[26])
		if len(raw) < 27+nsegs {
			return nil, fmt.Errorf("%s: truncated segment table", name)
		}
		lacing := raw[27 : 27+nsegs]
		body := raw[27+nsegs:]
		for _, l := range lacing {
			if int(l) > len(body) {
				return nil, fmt.Errorf("%s: truncated page", name)
			}
			pending = append(pending, body[:l]...)
			body = body[l:]
			if l < 255 {
				packets = append(packets, pending)
				pending = nil
			}
		}
		raw = body
	}
	if len(packets) < 3 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) {
		return nil, fmt.Errorf("%s is not an Opus stream", name)
	}
	frames := make([]frame, 0, len(packets)-2)
	for _, p := range packets[2:] {
		frames = append(frames, frame{data: p, key: true})
	}
	return newClip(frames, opusFrame, uint32(opusClockRate*opusFrame/time.Second))
}
