package loadtest

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/h264writer"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// tap passes a sender's packets to a receiver (as if through the SFU) and
// to a media file writer.
type tap struct {
	rx      *receiver
	file    rtpWriter
	packets []*rtp.Packet
	now     time.Time
}

func (t *tap) WriteRTP(p *rtp.Packet) error {
	raw, err := p.Marshal()
	if err != nil {
		return err
	}
	t.rx.handle(raw, t.now.Add(3*time.Millisecond))
	t.packets = append(t.packets, p.Clone())
	if t.file != nil {
		return t.file.WriteRTP(p)
	}
	return nil
}

// TestStampedClipsDecode: a full loop of every clip, packetized and
// stamped as the publishers send it, written back into a file by pion's
// depacketizing writers, decodes with ffmpeg without a single error;
// and a receiver finds a stamp with the 3 ms latency in every video frame
// and every fifth audio packet.
func TestStampedClipsDecode(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatalf("ffmpeg (Debian package ffmpeg) is needed to check that stamped media decodes: %v", err)
	}
	dir := t.TempDir()
	vp8, err := loadMedia(CodecVP8)
	if err != nil {
		t.Fatal(err)
	}
	h264, err := loadMedia(CodecH264)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		codec     string
		clip      *clip
		file      string
		open      func(io.Writer) (rtpWriter, func() error, error)
		clockRate float64
		stamps    int
	}{
		{"vp8", vp8.layers[2], "out.ivf", func(w io.Writer) (rtpWriter, func() error, error) {
			iw, err := ivfwriter.NewWith(w, ivfwriter.WithCodec("video/VP8"), ivfwriter.WithWidthAndHeight(1280, 720))
			return iw, func() error { return iw.Close() }, err
		}, videoClockRate, len(vp8.layers[2].frames)},
		{"h264", h264.layers[1], "out.h264", func(w io.Writer) (rtpWriter, func() error, error) {
			hw := h264writer.NewWith(w)
			return hw, hw.Close, nil
		}, videoClockRate, len(h264.layers[1].frames)},
		{"opus", vp8.audio, "out.ogg", func(w io.Writer) (rtpWriter, func() error, error) {
			ow, err := oggwriter.NewWith(w, opusClockRate, 1)
			return ow, func() error { return ow.Close() }, err
		}, opusClockRate, (len(vp8.audio.frames) + audioStampEvery - 1) / audioStampEvery},
	} {
		t.Run(tc.codec, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			fw, closeFile, err := tc.open(f)
			if err != nil {
				t.Fatal(err)
			}
			var lat histogram
			tp := &tap{rx: &receiver{codec: tc.codec, clockRate: tc.clockRate, latency: &lat}, file: fw}
			s := newSender("", tc.codec, tp, tc.clip)
			tp.now = time.Unix(1700000000, 0)
			for range tc.clip.frames {
				s.sendFrame(tp.now)
				tp.now = tp.now.Add(tc.clip.interval)
			}
			if err := closeFile(); err != nil {
				t.Fatal(err)
			}
			_ = f.Close()

			var stderr bytes.Buffer
			cmd := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-i", path, "-f", "null", "-")
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil || strings.TrimSpace(stderr.String()) != "" {
				t.Errorf("ffmpeg decoding the stamped %s: %v\n%s", tc.codec, err, stderr.String())
			}
			snap := lat.snapshot()
			if got := int(tp.rx.c.stamps.Load()); got != tc.stamps {
				t.Errorf("%d stamps found, want %d", got, tc.stamps)
			}
			if p50 := snap.quantile(0.5); p50 < 2.9 || p50 > 3.1 {
				t.Errorf("latency p50 %.2f ms, want 3", p50)
			}
			if st := tp.rx.c.snapshot(); st.Lost() != 0 || st.Received != uint64(len(tp.packets)) {
				t.Errorf("receiver stats %+v for %d packets", st, len(tp.packets))
			}
			for _, p := range tp.packets {
				if len(p.Payload) > rtpMTU {
					t.Fatalf("payload of %d bytes exceeds the MTU of %d", len(p.Payload), rtpMTU)
				}
			}
		})
	}
}

// TestSenderKeyframeJump: a keyframe request makes the next frame sent
// the clip's next keyframe; frames keep their timing.
func TestSenderKeyframeJump(t *testing.T) {
	m, err := loadMedia(CodecVP8)
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{rx: &receiver{codec: "vp8", clockRate: videoClockRate, latency: &histogram{}}}
	s := newSender("h", "vp8", tp, m.layers[1])
	for range 10 {
		s.sendFrame(time.Now())
	}
	before := len(tp.packets)
	ts := tp.packets[before-1].Timestamp
	s.wantKeyframe.Store(true)
	s.sendFrame(time.Now())
	first := tp.packets[before]
	// The descriptor is 4 bytes (X, I, 15-bit picture ID); bit 0 of the
	// frame tag is clear on a keyframe.
	if first.Payload[0]&0x10 == 0 || first.Payload[4]&1 != 0 {
		t.Errorf("frame after the request is not a keyframe start: %x", first.Payload[:8])
	}
	if first.Timestamp != ts+3000 {
		t.Errorf("timestamp %d after %d, want one frame later", first.Timestamp, ts)
	}
	if st := s.stats.snapshot(); st.KeyframeJumps != 1 || st.Keyframes != 2 || st.Frames != 11 {
		t.Errorf("stats %+v: want 1 jump, 2 keyframes (the first and the jump), 11 frames", st)
	}
	if s.pos != 61 {
		t.Errorf("clip position %d, want 61 (after the keyframe at 60)", s.pos)
	}
}
