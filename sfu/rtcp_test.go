package sfu

import (
	"reflect"
	"testing"

	"github.com/pion/rtcp"
)

// TestRTCPFeedback checks the allocation-free reader against pion/rtcp's
// marshalling of the messages it must understand.
func TestRTCPFeedback(t *testing.T) {
	const ssrc = 0x1234
	compound, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: 1},
		&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: ssrc, Nacks: []rtcp.NackPair{
			{PacketID: 65534, LostPackets: 0b101}, {PacketID: 100},
		}},
		&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 999, Nacks: []rtcp.NackPair{{PacketID: 5}}},
		&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: ssrc},
		&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 999},
		&rtcp.FullIntraRequest{SenderSSRC: 1, FIR: []rtcp.FIREntry{{SSRC: 999}, {SSRC: ssrc, SequenceNumber: 3}}},
		&rtcp.FullIntraRequest{SenderSSRC: 1, FIR: []rtcp.FIREntry{{SSRC: 999}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var lost []uint16
	var keyframeRequests, packets int
	for p, rest, ok := nextRTCP(compound); ok; p, rest, ok = nextRTCP(rest) {
		packets++
		if p.isNACKFor(ssrc) {
			for i := 0; ; i++ {
				item, ok := nackItemAt(p.fci(), i)
				if !ok {
					break
				}
				item.lost(func(s uint16) { lost = append(lost, s) })
			}
		}
		if p.isKeyframeRequestFor(ssrc) {
			keyframeRequests++
		}
	}
	if packets != 7 {
		t.Fatalf("walked %d packets, want 7", packets)
	}
	if want := []uint16{65534, 65535, 1, 100}; !reflect.DeepEqual(lost, want) {
		t.Fatalf("lost = %v, want %v", lost, want)
	}
	if keyframeRequests != 2 {
		t.Fatalf("keyframe requests = %d, want 2 (one PLI, one FIR)", keyframeRequests)
	}
}

func TestNextRTCPMalformed(t *testing.T) {
	tests := map[string][]byte{
		"short":           {0x81, 205},
		"wrong version":   {0x41, 205, 0, 0},
		"length overruns": {0x81, 205, 0, 9, 0, 0, 0, 0},
		"bad padding":     {0xa1, 205, 0, 1, 0, 0, 0, 9},
	}
	for name, b := range tests {
		if _, _, ok := nextRTCP(b); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
