package loadtest

import (
	"bytes"
	"testing"

	"github.com/pion/rtp/codecs"
)

func TestStampRoundTrip(t *testing.T) {
	for _, ts := range []int64{0, 1, 1700000000123456789, 1<<63 - 1} {
		var b [stampLen]byte
		putStamp(b[:], ts)
		if bytes.IndexByte(b[:], 0) >= 0 {
			t.Errorf("stamp of %d has a zero byte: %x", ts, b)
		}
		got, ok := readStamp(b[:])
		if !ok || got != ts {
			t.Errorf("readStamp(putStamp(%d)) = %d, %v", ts, got, ok)
		}
	}
	if _, ok := readStamp([]byte("0123456789PLtx")); ok {
		t.Error("a wrong magic was read as a stamp")
	}
}

func TestVP8Stamp(t *testing.T) {
	frame := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 1, 2, 3}
	out := appendVP8Stamp(nil, frame, 42)
	if !bytes.Equal(out[:len(frame)], frame) {
		t.Fatalf("frame changed: %x", out)
	}
	if got, ok := trailingStamp(out); !ok || got != 42 {
		t.Errorf("trailingStamp = %d, %v", got, ok)
	}
	if _, ok := trailingStamp(frame); ok {
		t.Error("stamp found in an unstamped frame")
	}
}

// TestOpusStamp: a code 0 packet becomes a code 3 packet of the same
// frame with the stamp as padding; other codes are left alone.
func TestOpusStamp(t *testing.T) {
	pkt := []byte{0x78, 0xaa, 0xbb, 0xcc} // CELT FB 20 ms, code 0
	out, ok := appendOpusStamp(nil, pkt, 7)
	if !ok {
		t.Fatal("code 0 packet not stamped")
	}
	want := append([]byte{0x7b, 0x41, byte(stampLen), 0xaa, 0xbb, 0xcc}, make([]byte, stampLen)...)
	putStamp(want[len(want)-stampLen:], 7)
	if !bytes.Equal(out, want) {
		t.Errorf("stamped packet\n got %x\nwant %x", out, want)
	}
	if got, ok := trailingStamp(out); !ok || got != 7 {
		t.Errorf("trailingStamp = %d, %v", got, ok)
	}
	code1 := []byte{0x79, 1, 2}
	if out, ok := appendOpusStamp(nil, code1, 7); ok || !bytes.Equal(out, code1) {
		t.Errorf("code 1 packet changed: %x, %v", out, ok)
	}
}

// TestH264Stamp: the SEI goes before the first slice, survives pion's
// payloader as one single-NAL packet, and reads back.
func TestH264Stamp(t *testing.T) {
	sps := []byte{0x67, 0x42, 0xc0, 0x1f}
	pps := []byte{0x68, 0xce, 0x3c, 0x80}
	idr := append([]byte{0x65}, bytes.Repeat([]byte{0x88}, 3000)...)
	var au []byte
	for _, n := range [][]byte{sps, pps} {
		au = append(append(au, annexBStart...), n...)
	}
	split := len(au)
	au = append(append(au, annexBStart...), idr...)

	out := appendH264Stamp(nil, au, split, 1234567)
	var p codecs.H264Payloader
	payloads := p.Payload(1200, out)
	var found []int64
	for _, pl := range payloads {
		if ts, ok := h264Stamp(pl); ok {
			found = append(found, ts)
		}
	}
	if len(found) != 1 || found[0] != 1234567 {
		t.Fatalf("stamps found in the packets: %v", found)
	}
	if first := payloads[0][0] & 0x1f; first != 24 {
		t.Errorf("first packet is NAL type %d, want the STAP-A of SPS and PPS", first)
	}
	if second := payloads[1]; len(second) != seiLen {
		t.Errorf("second packet is %d bytes, want the %d-byte SEI", len(second), seiLen)
	}
}
