package sfu

import (
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// eventually polls cond until it holds or the timeout expires.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var (
	codecVP8 = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        96,
	}
	codecOpus = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
)

// sentRTP is one packet a fakeWriter received, copied.
type sentRTP struct {
	Header  rtp.Header
	Payload []byte
}

// fakeWriter is a webrtc.TrackLocalWriter that counts packets and, when
// record is set, keeps copies of them.
type fakeWriter struct {
	record  bool
	fail    atomic.Bool
	count   atomic.Int64
	writing atomic.Int32 // writes in progress
	overlap atomic.Bool  // two writes overlapped

	mu   sync.Mutex
	sent []sentRTP
	// last packet written, kept without allocating
	lastPT      uint8
	lastSSRC    uint32
	lastPayload [1600]byte
	lastLen     int
}

func (w *fakeWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if w.writing.Add(1) > 1 {
		w.overlap.Store(true)
	}
	defer w.writing.Add(-1)
	if w.fail.Load() {
		return 0, io.ErrClosedPipe
	}
	w.count.Add(1)
	w.mu.Lock()
	w.lastPT, w.lastSSRC = h.PayloadType, h.SSRC
	w.lastLen = copy(w.lastPayload[:], payload)
	w.mu.Unlock()
	if w.record {
		w.mu.Lock()
		hc := h.Clone()
		w.sent = append(w.sent, sentRTP{Header: hc, Payload: append([]byte(nil), payload...)})
		w.mu.Unlock()
	}
	return len(payload), nil
}

func (w *fakeWriter) Write(b []byte) (int, error) { return len(b), nil }

func (w *fakeWriter) packets() []sentRTP {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sentRTP(nil), w.sent...)
}

// fakeRTCP is an interceptor.RTCPReader fed from a channel.
type fakeRTCP struct {
	ch   chan []byte
	done chan struct{}
	once sync.Once
}

func newFakeRTCP() *fakeRTCP { return &fakeRTCP{ch: make(chan []byte, 16), done: make(chan struct{})} }

func (f *fakeRTCP) Read(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
	select {
	case p := <-f.ch:
		return copy(b, p), a, nil
	case <-f.done:
		return 0, a, io.EOF
	}
}

func (f *fakeRTCP) close() { f.once.Do(func() { close(f.done) }) }

// fakeContext is a webrtc.TrackLocalContext for binding a down-track
// without a PeerConnection.
type fakeContext struct {
	codecs  []webrtc.RTPCodecParameters
	exts    []webrtc.RTPHeaderExtensionParameter
	ssrc    webrtc.SSRC
	rtxSSRC webrtc.SSRC
	writer  webrtc.TrackLocalWriter
	rtcp    *fakeRTCP
}

func (c *fakeContext) CodecParameters() []webrtc.RTPCodecParameters { return c.codecs }
func (c *fakeContext) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter {
	return c.exts
}
func (c *fakeContext) SSRC() webrtc.SSRC                       { return c.ssrc }
func (c *fakeContext) SSRCRetransmission() webrtc.SSRC         { return c.rtxSSRC }
func (c *fakeContext) SSRCForwardErrorCorrection() webrtc.SSRC { return 0 }
func (c *fakeContext) WriteStream() webrtc.TrackLocalWriter    { return c.writer }
func (c *fakeContext) ID() string                              { return "fake" }
func (c *fakeContext) RTCPReader() interceptor.RTCPReader      { return c.rtcp }

// subscriberPT and subscriberLevelID are what the fake subscriber
// negotiated: different from the publisher's, so tests see the rewrite.
const (
	subscriberPT            = 100
	subscriberRTXPT         = 101
	subscriberLevelID       = 9
	subscriberTransportCCID = 5
	publisherLevelID        = 1
)

// testRig is a Receiver without a PeerConnection, with bound down-tracks.
type testRig struct {
	t    testing.TB
	r    *Receiver
	wg   sync.WaitGroup
	tx   *sendSide
	plis atomic.Int64
	rtcp []*fakeRTCP
}

func newTestRig(t testing.TB, kind webrtc.RTPCodecType, codec webrtc.RTPCodecParameters, layers []LayerInfo) *testRig {
	return newTestRigWith(t, kind, codec, layers, nil)
}

// newTestRigWith is newTestRig with a dynacast callback.
func newTestRigWith(t testing.TB, kind webrtc.RTPCodecType, codec webrtc.RTPCodecParameters, layers []LayerInfo,
	dynacast func(*Receiver, uint8),
) *testRig {
	rig := &testRig{t: t}
	clk := newClock()
	rig.tx = newSendSide(clk, DefaultConfig().Congestion.limits(), nil)
	rig.r = newReceiver(receiverParams{
		spec:        TrackSpec{ID: "TR_test", Layers: layers},
		streamID:    "PA_pub",
		clientID:    "cid",
		kind:        kind,
		codec:       codec,
		clock:       clk,
		cacheSize:   1024,
		pliThrottle: time.Hour,
		sendPLI:     func(uint32) { rig.plis.Add(1) },
		pool:        newPacketPool(),
		dynacast:    dynacast,
	})
	t.Cleanup(rig.close)
	return rig
}

// layer starts layer i (without a reader goroutine).
func (rig *testRig) layer(i int8) *receiverLayer {
	var levelID uint8
	if rig.r.kind == webrtc.RTPCodecTypeAudio {
		levelID = publisherLevelID
	}
	l := rig.r.addLayer(i, "", 1000+uint32(i), levelID)
	if l == nil {
		rig.t.Fatalf("layer %d not added", i)
	}
	return l
}

// downTrack adds a bound, connected down-track writing to w.
func (rig *testRig) downTrack(prefs Preferences, w webrtc.TrackLocalWriter) *DownTrack {
	d := newDownTrack(rig.r, prefs, downTrackParams{seqMapSize: 1024, wg: &rig.wg, tx: rig.tx})
	codec := rig.r.codec
	codec.PayloadType = subscriberPT
	codecs := []webrtc.RTPCodecParameters{codec}
	var rtxSSRC webrtc.SSRC
	if rig.r.kind == webrtc.RTPCodecTypeVideo {
		// Video negotiates RTX, as browsers do.
		codecs = append(codecs, webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=100"},
			PayloadType:        subscriberRTXPT,
		})
		rtxSSRC = webrtc.SSRC(0xbcde0000 + len(rig.rtcp))
	}
	rtcp := newFakeRTCP()
	rig.rtcp = append(rig.rtcp, rtcp)
	_, err := d.Bind(&fakeContext{
		codecs: codecs,
		exts: []webrtc.RTPHeaderExtensionParameter{
			{URI: sdp.AudioLevelURI, ID: subscriberLevelID}, {URI: sdp.TransportCCURI, ID: subscriberTransportCCID},
		},
		ssrc:    webrtc.SSRC(0xabcd0000 + len(rig.rtcp)),
		rtxSSRC: rtxSSRC,
		writer:  w,
		rtcp:    rtcp,
	})
	if err != nil {
		rig.t.Fatal(err)
	}
	d.setConnected()
	rig.r.AddDownTrack(d)
	return d
}

func (rig *testRig) close() {
	for _, f := range rig.rtcp {
		f.close()
	}
	rig.wg.Wait()
}

// feed hands raw packet bytes to a layer as its reader would.
func feed(l *receiverLayer, raw []byte, arrival int64) {
	n := copy(l.spare.buf[:], raw)
	l.handle(n, arrival)
}

// rtpPacket marshals an RTP packet.
func rtpPacket(t testing.TB, h rtp.Header, payload []byte) []byte {
	t.Helper()
	h.Version = 2
	b, err := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vp8PayloadTID is vp8Payload with a temporal layer id (and the layer sync
// bit on every TID above 0, as the frames of a simple pattern may have).
func vp8PayloadTID(picID uint16, tl0, tid uint8, start, key bool, body []byte) []byte {
	b := vp8Payload(picID, tl0, 0, start, key, body)
	b[5] = tid<<6 | b[5]&0x1f
	if tid > 0 {
		b[5] |= 0x20
	}
	return b
}

// vp8Payload returns a VP8 payload with a full descriptor (15-bit picture
// id, TL0PICIDX, TID/KEYIDX) followed by body.
func vp8Payload(picID uint16, tl0 uint8, keyIdx uint8, start, key bool, body []byte) []byte {
	b0 := byte(0x80) // X
	if start {
		b0 |= 0x10 // S, partition 0
	}
	hdr := []byte{b0, 0xf0, 0x80 | byte(picID>>8), byte(picID), tl0, keyIdx & 0x1f}
	first := byte(0x01) // P set: interframe
	if key {
		first = 0x00
	}
	return append(append(hdr, first), body...)
}
