package sfu

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(subscriberProcessEnv) != "":
		runSubscriberProcess() // a benchmark's subscribers (subprocess_test.go)
		return
	case os.Getenv(drainProcessEnv) != "":
		runDrainProcess()
		return
	}
	goleak.VerifyTestMain(m)
}

var (
	opusCap = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	vp8Cap  = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	h264Cap = webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
	}
)

// media runs sources until the test stops them.
type media struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newMedia() *media {
	m := &media{}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m
}

func (m *media) start(s *source, sender *webrtc.RTPSender, rid string) {
	m.wg.Go(func() { s.run(m.ctx) })
	if s.video {
		m.wg.Go(func() { s.readRTCP(sender, rid) })
	}
}

// stop ends the sources; their RTCP readers end when the client closes.
func (m *media) stop() {
	m.cancel()
	m.wg.Wait()
}

// addSendTrack adds a send-only client track.
func addSendTrack(t *testing.T, pc *webrtc.PeerConnection, c webrtc.RTPCodecCapability, id string) (*webrtc.TrackLocalStaticRTP, *webrtc.RTPTransceiver) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(c, id, "client-stream")
	if err != nil {
		t.Fatal(err)
	}
	x, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	return tr, x
}

func extID(params webrtc.RTPSendParameters, uri string) uint8 {
	return headerExtensionID(params.HeaderExtensions, uri)
}

// checkStream asserts that packets are consecutive (no loss on loopback,
// no gap left by the SFU) and carry intact bodies after skip bytes.
func checkStream(t *testing.T, name string, pkts []sentRTP, skip int) {
	t.Helper()
	for i, p := range pkts {
		if i > 0 && p.Header.SequenceNumber != pkts[i-1].Header.SequenceNumber+1 {
			t.Fatalf("%s: packet %d has seq %d after %d", name, i, p.Header.SequenceNumber, pkts[i-1].Header.SequenceNumber)
		}
		if len(p.Payload) <= skip || !bodyIntact(p.Payload[skip:]) {
			t.Fatalf("%s: packet %d payload damaged: % x", name, i, p.Payload)
		}
	}
}

// vp8BodyOffset is where body() starts in the payloads vp8Payload builds.
const vp8BodyOffset = 7

func TestIntegrationForwarding(t *testing.T) {
	defer goleak.VerifyNone(t)
	e := newTestEngine(t)
	defer e.Close()

	m := newMedia()
	defer m.stop() // after the clients closed: RTCP readers end with them
	receivers := make(chan *Receiver, 8)
	pub := newPubClient(t, e, PublisherConfig{
		ParticipantID: "PA_pub",
		ResolveTrack: func(cid string, _ webrtc.RTPCodecType) (TrackSpec, error) {
			if cid == "refused" {
				return TrackSpec{}, ErrNotSubscribed // any error: the room said no
			}
			return TrackSpec{ID: "TR_" + cid}, nil
		},
		OnTrack: func(r *Receiver) { receivers <- r },
	})
	defer pub.close()

	mic, micX := addSendTrack(t, pub.pc, opusCap, "mic")
	cam, camX := addSendTrack(t, pub.pc, vp8Cap, "cam")
	refused, refusedX := addSendTrack(t, pub.pc, vp8Cap, "refused")
	cam264, cam264X := addSendTrack(t, pub.pc, h264Cap, "cam264")
	pub.negotiate()
	levelID := extID(micX.Sender().GetParameters(), sdp.AudioLevelURI)
	if levelID == 0 {
		t.Fatal("audio level not negotiated with the publisher")
	}
	m.start(&source{track: mic, layer: 10, interval: 20 * time.Millisecond, ext: []rtpExt{{levelID, []byte{0x80 | 25}}}}, micX.Sender(), "")
	m.start(&source{track: cam, layer: 20, video: true, interval: 33 * time.Millisecond}, camX.Sender(), "")
	m.start(&source{track: refused, layer: 30, video: true, interval: 33 * time.Millisecond}, refusedX.Sender(), "")
	m.start(&source{track: cam264, layer: 50, video: true, h264: true, interval: 33 * time.Millisecond}, cam264X.Sender(), "")

	byCID := map[string]*Receiver{}
	for len(byCID) < 3 {
		select {
		case r := <-receivers:
			byCID[r.ClientID()] = r
		case <-time.After(10 * time.Second):
			t.Fatalf("receivers: got %d, want 3", len(byCID))
		}
	}
	rMic, rCam := byCID["mic"], byCID["cam"]
	if rMic == nil || rCam == nil || rMic.ID() != "TR_mic" || rMic.StreamID() != "PA_pub" || rCam.Kind() != webrtc.RTPCodecTypeVideo {
		t.Fatalf("receivers: %+v", byCID)
	}
	if !strings.EqualFold(rMic.Codec().MimeType, webrtc.MimeTypeOpus) || !strings.EqualFold(rCam.Codec().MimeType, webrtc.MimeTypeVP8) {
		t.Fatalf("codecs: %s, %s", rMic.Codec().MimeType, rCam.Codec().MimeType)
	}

	sub := newSubClient(t, e)
	defer sub.close()
	dMic, err := sub.server.AddTrack(rMic, Preferences{})
	if err != nil {
		t.Fatal(err)
	}
	dCam, err := sub.server.AddTrack(rCam, Preferences{})
	if err != nil {
		t.Fatal(err)
	}
	r264 := byCID["cam264"]
	if fmtp := r264.Codec().SDPFmtpLine; !strings.Contains(fmtp, "profile-level-id=42e01f") {
		t.Fatalf("H.264 publisher codec %q", fmtp)
	}
	if _, err := sub.server.AddTrack(r264, Preferences{}); err != nil {
		t.Fatal(err)
	}

	// Both tracks flow, bodies intact, numbering gapless.
	micPkts := sub.waitPackets("TR_mic", 25)
	checkStream(t, "mic", micPkts, 0)
	levelID, twccID := sub.extID(sdp.AudioLevelURI), sub.extID(sdp.TransportCCURI)
	prevTWCC := -1
	for _, p := range micPkts {
		if lvl := p.Header.GetExtension(levelID); len(lvl) != 1 || lvl[0] != 0x80|25 {
			t.Fatalf("audio level not carried: % x (subscriber id %d)", lvl, levelID)
		}
		// Transport-wide numbers are shared with the other tracks: they
		// grow, with gaps.
		tw := p.Header.GetExtension(twccID)
		if len(tw) != 2 || int(tw[0])<<8|int(tw[1]) <= prevTWCC {
			t.Fatalf("transport-wide sequence number % x after %d (id %d)", tw, prevTWCC, twccID)
		}
		prevTWCC = int(tw[0])<<8 | int(tw[1])
	}
	checkStream(t, "cam", sub.waitPackets("TR_cam", 15), vp8BodyOffset)
	checkStream(t, "cam264", sub.waitPackets("TR_cam264", 15), 1)
	if n := sub.offers.Load(); n != 1 {
		t.Fatalf("three tracks added in a burst took %d offers, want 1", n)
	}
	if lvl, voice, ok := rMic.AudioLevel(); !ok || lvl != 25 || !voice {
		t.Fatalf("receiver audio level = %d %v %v", lvl, voice, ok)
	}
	checkSubscriberOffer(t, sub.lastOfferSDP(), map[string]string{"TR_mic": "opus", "TR_cam": "VP8", "TR_cam264": "H264"})

	// A second camera, published and subscribed mid-call.
	cam2, cam2X := addSendTrack(t, pub.pc, vp8Cap, "cam2")
	pub.negotiate()
	m.start(&source{track: cam2, layer: 40, video: true, interval: 33 * time.Millisecond}, cam2X.Sender(), "")
	var rCam2 *Receiver
	select {
	case rCam2 = <-receivers:
	case <-time.After(10 * time.Second):
		t.Fatal("no receiver for the second camera")
	}
	if rCam2.ClientID() != "cam2" {
		t.Fatalf("unexpected receiver %s (the refused track must not appear)", rCam2.ClientID())
	}
	if _, err := sub.server.AddTrack(rCam2, Preferences{}); err != nil {
		t.Fatal(err)
	}
	checkStream(t, "cam2", sub.waitPackets("TR_cam2", 15), vp8BodyOffset)
	eventually(t, 5*time.Second, "second offer answered", func() bool { return sub.offers.Load() == 2 })

	// Unsubscribe from the first camera: renegotiated, it stops; the
	// others go on.
	if err := sub.server.RemoveTrack("TR_cam"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "third offer answered", func() bool { return sub.offers.Load() == 3 })
	if _, ok := sub.server.DownTrack("TR_cam"); ok {
		t.Fatal("down-track still listed after RemoveTrack")
	}
	camCount := func() int { p, _ := sub.track("TR_cam").snapshot(); return len(p) }
	settled := camCount()
	time.Sleep(300 * time.Millisecond)
	if camCount() != settled {
		t.Fatal("packets still arrive on the removed track")
	}
	before := len(sub.waitPackets("TR_mic", 1))
	sub.waitPackets("TR_mic", before+10)

	// Sender reports (from the subscriber's controller, once a second)
	// map the stream's RTP clock to wall time: the reported RTP time is
	// about that of the newest packet.
	eventually(t, 5*time.Second, "sender reports for the microphone", func() bool {
		rt := sub.track("TR_mic")
		rt.mu.Lock()
		defer rt.mu.Unlock()
		return len(rt.reports) >= 2
	})
	rt := sub.track("TR_mic")
	rt.mu.Lock()
	sr, newest := rt.reports[len(rt.reports)-1], rt.packets[len(rt.packets)-1].Header.Timestamp
	rt.mu.Unlock()
	if d := int32(sr.RTPTime - newest); d < -48000 || d > 48000 || sr.PacketCount == 0 || sr.NTPTime == 0 {
		t.Fatalf("sender report %+v, newest packet at RTP time %d", sr, newest)
	}

	// Stats add up.
	if st := dMic.Stats(); st.PacketsSent < 25 || st.BytesSent == 0 {
		t.Fatalf("mic stats: %+v", st)
	}
	if st := dCam.Stats(); st.PacketsSent < 15 || st.LayerSwitches != 1 {
		t.Fatalf("cam stats: %+v", st)
	}
	if st := rCam.Stats(); st.Layers[0].Packets == 0 || st.Layers[0].Keyframes == 0 {
		t.Fatalf("receiver stats: %+v", st)
	}

	// Unpublish the second camera: its receiver ends.
	if err := pub.pc.RemoveTrack(cam2X.Sender()); err != nil {
		t.Fatal(err)
	}
	pub.negotiate()
	select {
	case <-rCam2.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("receiver of an unpublished track did not end")
	}

	// Only loopback candidates were advertised.
	for _, c := range append(pub.cands.all(), sub.cands.all()...) {
		if !strings.Contains(c, " 127.0.0.1 ") {
			t.Fatalf("non-loopback candidate advertised: %s", c)
		}
	}

	sub.close()
	pub.close()
	m.stop()
	select {
	case <-rMic.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("receivers did not end with their publisher")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationSimulcast(t *testing.T) {
	defer goleak.VerifyNone(t)
	e := newTestEngine(t)
	defer e.Close()

	m := newMedia()
	defer m.stop()
	pub, r, sources := publishSimulcast(t, e, m, newClientPC(t), [MaxLayers]layerShape{})
	defer pub.close()

	sub := newSubClient(t, e)
	defer sub.close()
	dt, err := sub.server.AddTrack(r, Preferences{Width: 320, Height: 180})
	if err != nil {
		t.Fatal(err)
	}
	low := sub.waitPackets("TR_sim", 15)
	for _, p := range low {
		if layer := p.Payload[vp8BodyOffset]; layer != 0 {
			t.Fatalf("320x180 subscriber got layer %d", layer)
		}
	}
	if dt.CurrentLayer() != 0 {
		t.Fatalf("current layer %d, want 0", dt.CurrentLayer())
	}

	plisBefore := sources[2].plis.Load()
	dt.SetPreferences(Preferences{Width: 1280, Height: 720})
	eventually(t, 10*time.Second, "switch to the f layer", func() bool { return dt.CurrentLayer() == 2 })
	all := sub.waitPackets("TR_sim", len(sub.waitPackets("TR_sim", 1))+15)

	// One stream: gapless sequence numbers and picture ids, timestamps
	// never going back, layer 0 then layer 2, bodies intact.
	checkStream(t, "simulcast", all, vp8BodyOffset)
	switched := false
	for i, p := range all {
		var d vp8Descriptor
		if !parseVP8Descriptor(p.Payload, &d) {
			t.Fatalf("packet %d: bad VP8 descriptor", i)
		}
		layer := p.Payload[vp8BodyOffset]
		if i == 0 {
			continue
		}
		var prev vp8Descriptor
		parseVP8Descriptor(all[i-1].Payload, &prev)
		if d.PictureID != (prev.PictureID+1)&0x7fff || d.TL0PicIdx != prev.TL0PicIdx+1 {
			t.Fatalf("packet %d: picture id %d / tl0 %d after %d / %d", i, d.PictureID, d.TL0PicIdx, prev.PictureID, prev.TL0PicIdx)
		}
		if int32(p.Header.Timestamp-all[i-1].Header.Timestamp) <= 0 {
			t.Fatalf("packet %d: timestamp %d after %d", i, p.Header.Timestamp, all[i-1].Header.Timestamp)
		}
		switch prevLayer := all[i-1].Payload[vp8BodyOffset]; {
		case layer == prevLayer:
		case prevLayer == 0 && layer == 2 && !switched && d.Keyframe:
			switched = true
		default:
			t.Fatalf("packet %d: layer %d after %d", i, layer, prevLayer)
		}
	}
	if !switched {
		t.Fatal("no switch from layer 0 to layer 2 seen")
	}
	if sources[2].plis.Load() == plisBefore {
		t.Fatal("no keyframe request reached the f layer")
	}
	if st := dt.Stats(); st.LayerSwitches != 2 {
		t.Fatalf("layer switches = %d, want 2 (start, switch)", st.LayerSwitches)
	}

	sub.close()
	pub.close()
	m.stop()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

// layerShape is how much a simulcast layer's source sends per frame: zero
// values take the source's defaults.
type layerShape struct{ packets, size int }

// publishSimulcast publishes a three-layer VP8 track (q, h, f as
// simLayers) from a client on pc, its layers written by sources (frame
// interval, packets per frame and size taken from shapes), and waits until
// the SFU receives all three.
func publishSimulcast(t *testing.T, e *Engine, m *media, pc *webrtc.PeerConnection, shapes [MaxLayers]layerShape) (*pubClient, *Receiver, []*source) {
	t.Helper()
	receivers := make(chan *Receiver, 1)
	pub := newPubClientOn(t, e, PublisherConfig{
		ParticipantID: "PA_pub",
		ResolveTrack: func(string, webrtc.RTPCodecType) (TrackSpec, error) {
			return TrackSpec{ID: "TR_sim", Layers: simLayers}, nil
		},
		OnTrack: func(r *Receiver) { receivers <- r },
	}, pc)
	var tracks []*webrtc.TrackLocalStaticRTP
	for _, l := range simLayers {
		tr, err := webrtc.NewTrackLocalStaticRTP(vp8Cap, "cam", "client-stream", webrtc.WithRTPStreamID(l.RID))
		if err != nil {
			t.Fatal(err)
		}
		tracks = append(tracks, tr)
	}
	x, err := pub.pc.AddTransceiverFromTrack(tracks[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tracks[1:] {
		if err := x.Sender().AddEncoding(tr); err != nil {
			t.Fatal(err)
		}
	}
	pub.negotiate()
	params := x.Sender().GetParameters()
	midID, ridID := extID(params, sdp.SDESMidURI), extID(params, sdp.SDESRTPStreamIDURI)
	if midID == 0 || ridID == 0 {
		t.Fatal("simulcast header extensions not negotiated")
	}
	var sources []*source
	for i, tr := range tracks {
		s := &source{
			track: tr, layer: byte(i), video: true, interval: 33 * time.Millisecond,
			packets: shapes[i].packets, size: shapes[i].size,
			ext: []rtpExt{{midID, []byte(x.Mid())}, {ridID, []byte(simLayers[i].RID)}},
		}
		sources = append(sources, s)
		m.start(s, x.Sender(), simLayers[i].RID)
	}
	var r *Receiver
	select {
	case r = <-receivers:
	case <-time.After(20 * time.Second):
		t.Fatal("no receiver")
	}
	eventually(t, 20*time.Second, "three layers received", func() bool { return r.ActiveLayers() == 0b111 })
	return pub, r, sources
}

func TestEngineOnAllLoopbackInterfaces(t *testing.T) {
	defer goleak.VerifyNone(t)
	cfg := DefaultConfig()
	cfg.UDPPort = 0
	cfg.IncludeLoopback = true
	cfg.Interfaces = []string{loopbackName(t)}
	cands, addr := serverCandidates(t, cfg)
	if addr.Port == 0 || !addr.IP.IsLoopback() {
		t.Fatalf("bound %v", addr)
	}
	for _, c := range cands {
		fields := strings.Fields(c)
		if len(fields) < 6 || !net.ParseIP(fields[4]).IsLoopback() || fields[5] != portString(addr.Port) {
			t.Fatalf("candidate %q is not on the loopback media port %d", c, addr.Port)
		}
	}
}

// TestEngineNodeIPs: with node IPs (1:1 NAT) the host candidates carry them
// instead of the bound address. 127.0.0.2 keeps the test on loopback.
func TestEngineNodeIPs(t *testing.T) {
	defer goleak.VerifyNone(t)
	cfg := DefaultConfig()
	cfg.UDPPort = 0
	cfg.BindAddress = "127.0.0.1"
	cfg.IncludeLoopback = true
	cfg.NodeIPs = []string{"127.0.0.2"}
	cands, addr := serverCandidates(t, cfg)
	for _, c := range cands {
		if !strings.Contains(c, " 127.0.0.2 "+portString(addr.Port)+" ") {
			t.Fatalf("candidate %q does not advertise the node IP", c)
		}
	}
}

// serverCandidates starts an engine with cfg, negotiates a publisher and
// returns the candidates the server advertised and the port it bound.
func serverCandidates(t *testing.T, cfg Config) ([]string, *net.UDPAddr) {
	t.Helper()
	cfg.TCPPort = -1 // UDP candidates only; engine_ice_test.go covers ICE-TCP
	e, err := NewEngine(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pub := newPubClient(t, e, PublisherConfig{})
	defer pub.close()
	addSendTrack(t, pub.pc, opusCap, "mic")
	pub.negotiate()
	eventually(t, 5*time.Second, "a server candidate", func() bool { return len(pub.cands.all()) > 0 })
	return pub.cands.all(), e.UDPAddr()
}

func loopbackName(t *testing.T) string {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Fatal("no loopback interface")
	return ""
}

func portString(p int) string {
	return strings.TrimPrefix((&net.UDPAddr{Port: p}).String(), ":")
}

// checkSubscriberOffer asserts that each track's m-section is send-only,
// carries the msid the client maps it by, and offers exactly the source's
// codec (and, for video, its RTX).
func checkSubscriberOffer(t *testing.T, offer string, codecs map[string]string) {
	t.Helper()
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(offer); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, m := range desc.MediaDescriptions {
		msid, _ := m.Attribute("msid")
		stream, track, _ := strings.Cut(msid, " ")
		want, ok := codecs[track]
		if !ok {
			continue
		}
		found++
		var rtpmaps []string
		for _, a := range m.Attributes {
			if a.Key == "rtpmap" && !strings.Contains(a.Value, " rtx/") {
				rtpmaps = append(rtpmaps, a.Value)
			}
		}
		_, sendonly := m.Attribute("sendonly")
		if stream != "PA_pub" || !sendonly || len(rtpmaps) != 1 || !strings.Contains(rtpmaps[0], " "+want+"/") {
			t.Fatalf("m-section of %s: msid %q, sendonly %v, codecs %v", track, msid, sendonly, rtpmaps)
		}
	}
	if found != len(codecs) {
		t.Fatalf("offer has %d of the %d tracks:\n%s", found, len(codecs), offer)
	}
}
