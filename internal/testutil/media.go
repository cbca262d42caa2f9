package testutil

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Synthetic media: payloads that the SFU treats as real Opus and VP8 (every
// VP8 packet is a complete keyframe, so any subscriber can start on it) and
// whose bytes a receiver can check exactly: each payload names its stream
// and carries its index, and the rest is derived from both.

const syntheticMagic = "parley-synthetic"

// vp8KeyframeHeader: payload descriptor with S=1 (start of partition 0) and
// no extensions, then a VP8 key frame header (P bit clear, RFC 6386 9.1)
// with its start code and a 640x360 size.
const vp8KeyframeHeader = "\x10\x50\x00\x00\x9d\x01\x2a\x80\x02\x68\x01"

// opusHeader is a TOC byte: SILK-only 20 ms mono frame.
const opusHeader = "\x08"

func codecHeader(kind webrtc.RTPCodecType) []byte {
	if kind == webrtc.RTPCodecTypeVideo {
		return []byte(vp8KeyframeHeader)
	}
	return []byte(opusHeader)
}

// SyntheticPayload returns payload number n of the stream named tag.
func SyntheticPayload(kind webrtc.RTPCodecType, tag string, n uint32) []byte {
	var b bytes.Buffer
	b.Write(codecHeader(kind))
	b.WriteString(syntheticMagic)
	b.WriteByte(byte(len(tag)))
	b.WriteString(tag)
	_ = binary.Write(&b, binary.BigEndian, n)
	for i := 0; i < 64; i++ { // filler derived from n and the position
		b.WriteByte(byte(n*31 + uint32(i)*7))
	}
	return b.Bytes()
}

// ParseSynthetic returns the tag and index of a synthetic payload, and
// whether every byte is what SyntheticPayload makes for them.
func ParseSynthetic(kind webrtc.RTPCodecType, payload []byte) (tag string, n uint32, intact bool) {
	rest, ok := bytes.CutPrefix(payload, codecHeader(kind))
	if !ok {
		return "", 0, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(syntheticMagic)); !ok || len(rest) < 1 {
		return "", 0, false
	}
	l := int(rest[0])
	if len(rest) < 1+l+4 {
		return "", 0, false
	}
	tag = string(rest[1 : 1+l])
	n = binary.BigEndian.Uint32(rest[1+l:])
	return tag, n, bytes.Equal(payload, SyntheticPayload(kind, tag, n))
}

// SyntheticTrack makes a local RTP track of kind (Opus or VP8) with the
// given track id, for publishing with the client SDK.
func SyntheticTrack(kind webrtc.RTPCodecType, id, streamID string) (*webrtc.TrackLocalStaticRTP, error) {
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	if kind == webrtc.RTPCodecTypeVideo {
		codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	}
	return webrtc.NewTrackLocalStaticRTP(codec, id, streamID)
}

// SendSynthetic writes one synthetic packet every interval until ctx ends:
// audio every 20 ms, video about 30 frames a second of one packet each.
func SendSynthetic(ctx context.Context, wg *sync.WaitGroup, track *webrtc.TrackLocalStaticRTP, tag string) {
	kind := track.Kind()
	interval, tsStep := 20*time.Millisecond, uint32(960)
	if kind == webrtc.RTPCodecTypeVideo {
		interval, tsStep = 33*time.Millisecond, 3000
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for n := uint32(0); ; n++ {
			pkt := &rtp.Packet{
				Header:  rtp.Header{Version: 2, Marker: kind == webrtc.RTPCodecTypeVideo, SequenceNumber: uint16(n), Timestamp: n * tsStep},
				Payload: SyntheticPayload(kind, tag, n),
			}
			// Errors before the track is bound are expected; keep going.
			_ = track.WriteRTP(pkt)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// ReceiveStats counts what a receiver read from one remote track.
type ReceiveStats struct {
	Packets int
	Intact  int
	Corrupt int
	Tags    map[string]int
}

// ReadSynthetic reads RTP from track until it ends, counting synthetic
// payloads into stats (guarded by mu).
func ReadSynthetic(track *webrtc.TrackRemote, mu *sync.Mutex, stats *ReceiveStats) {
	kind := track.Kind()
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		if len(pkt.Payload) == 0 {
			continue // padding only: a server's bandwidth probe
		}
		tag, _, intact := ParseSynthetic(kind, pkt.Payload)
		mu.Lock()
		stats.Packets++
		if intact {
			stats.Intact++
			if stats.Tags == nil {
				stats.Tags = map[string]int{}
			}
			stats.Tags[tag]++
		} else {
			stats.Corrupt++
		}
		mu.Unlock()
	}
}

// String summarizes the stats for failure messages.
func (s ReceiveStats) String() string {
	return fmt.Sprintf("%d packets, %d intact, %d corrupt, tags %v", s.Packets, s.Intact, s.Corrupt, s.Tags)
}
