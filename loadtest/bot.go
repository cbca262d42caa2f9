package loadtest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"

	"github.com/parley-sfu/parley/auth"
	"github.com/parley-sfu/parley/client"
	"github.com/parley-sfu/parley/proto/parleypb"
)

// Version is reported to the server as the bots' client version.
const Version = "0.1.0"

// botSpec is who a bot is in the test.
type botSpec struct {
	Room     int
	RoomName string
	Identity string
	// URL is the server the bot joins.
	URL string
	// Video and Audio say what the bot publishes.
	Video, Audio bool
	// Expected is the number of tracks it should end up receiving.
	Expected int
}

// bot is one participant: one client.Room with its PeerConnections,
// publishing looped clips and receiving what its layout shows.
type bot struct {
	spec    botSpec
	env     *environment
	rtcp    *rtcpCounter
	latency histogram

	room      *client.Room // set by join, read after joined
	joinTime  time.Duration
	started   atomic.Bool // its join was attempted
	joined    atomic.Bool
	connected atomic.Bool // joined and not disconnected
	errors    atomic.Uint64

	mu        sync.Mutex
	receivers map[string]*receiver // by track sid, from the subscribe request on
	videos    int                  // video tracks asked for
	senders   []*sender

	wg sync.WaitGroup // readers, pacing and keyframe loops
}

// environment is what every bot of a run shares.
type environment struct {
	cfg    *Config
	media  *mediaSet
	errors *errorLog
	tiles  []Tile
}

func newBot(spec botSpec, env *environment) *bot {
	return &bot{spec: spec, env: env, rtcp: newRTCPCounter(), receivers: map[string]*receiver{}}
}

// fail counts an error of the bot.
func (b *bot) fail(format string, args ...any) {
	b.errors.Add(1)
	b.env.errors.add(fmt.Sprintf(format, args...))
}

// join connects the bot and starts publishing; it returns the connect
// error (the bot is then dead) and counts later failures.
func (b *bot) join(ctx context.Context) error {
	cfg := b.env.cfg
	token, err := auth.NewToken(cfg.APIKey, cfg.APISecret, auth.Claims{
		Identity: b.spec.Identity, Name: b.spec.Identity, Room: b.spec.RoomName,
		Grants: auth.Grants{Join: true, Publish: b.spec.Video || b.spec.Audio, Subscribe: true},
	}, cfg.Duration+time.Hour)
	if err != nil {
		return err
	}
	start := time.Now()
	room, err := client.Connect(ctx, b.spec.URL, token,
		client.WithAutoSubscribe(false),
		client.WithClientInfo("parley-loadtest", Version),
		client.WithEventBuffer(4096),
		client.WithLogger(cfg.Logger),
		client.WithMediaEngine(b.mediaEngine),
	)
	if err != nil {
		return err
	}
	b.joinTime = time.Since(start)
	b.room = room
	b.joined.Store(true)
	b.connected.Store(true)
	b.wg.Go(b.events)
	for _, p := range room.Participants() {
		for _, t := range p.GetTracks() {
			b.consider(t)
		}
	}
	return nil
}

// mediaEngine is the bots' pion setup: the codecs they send (with RTX
// unless Config.NoRTX), and of the default interceptors only those a
// browser's behaviour needs (NACK both ways, at most 10 NACKs per lost
// packet like libwebrtc, RTCP reports, simulcast header extensions,
// transport-wide congestion control feedback for the server's estimator);
// not the stats interceptor, which costs per packet. The feedback counter
// comes first so that it sees the NACKs the generator sends.
func (b *bot) mediaEngine(m *webrtc.MediaEngine, ir *interceptor.Registry) error {
	if err := registerCodecs(m, !b.env.cfg.NoRTX); err != nil {
		return err
	}
	if b.env.cfg.SendLoss > 0 {
		ir.Add(&sendLoss{share: b.env.cfg.SendLoss}) // nearest the transport: after the responder
	}
	ir.Add(b.rtcp)
	// The interceptors log straight to stderr by default; what they have
	// to say (writes after close at teardown) is not news in a load test.
	quiet := &logging.DefaultLoggerFactory{Writer: io.Discard}
	if err := webrtc.ConfigureNackWithOptions(m, ir,
		[]nack.GeneratorOption{nack.WithGeneratorLoggerFactory(quiet), nack.GeneratorMaxNacksPerPacket(maxNACKsPerPacket)},
		nack.WithResponderLoggerFactory(quiet)); err != nil {
		return err
	}
	if err := webrtc.ConfigureRTCPReportsWithOptions(ir,
		[]report.ReceiverOption{report.WithReceiverLoggerFactory(quiet)},
		report.WithSenderLoggerFactory(quiet)); err != nil {
		return err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return err
	}
	return webrtc.ConfigureTWCCSenderWithOptions(m, ir, twcc.WithLoggerFactory(quiet))
}

// publish publishes the bot's tracks (ctx bounds the requests) and starts
// sending until run ends.
func (b *bot) publish(ctx, run context.Context) {
	if b.spec.Video {
		if err := b.publishVideo(ctx, run); err != nil {
			b.fail("publish video: %v", err)
		}
	}
	if b.spec.Audio {
		if err := b.publishAudio(ctx, run); err != nil {
			b.fail("publish audio: %v", err)
		}
	}
}

func (b *bot) publishVideo(ctx, run context.Context) error {
	m := b.env.media
	capability := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: videoClockRate}
	if m.codec == CodecH264 {
		capability = webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeH264, ClockRate: videoClockRate,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
		}
	}
	opts := client.TrackOptions{Name: "camera", Width: layerSizes()[2].Width, Height: layerSizes()[2].Height}
	var senders []*sender
	var lt *client.LocalTrack
	var err error
	if b.env.cfg.Simulcast {
		rids := layerRIDs()
		layers := make([]*webrtc.TrackLocalStaticRTP, len(rids))
		for i, rid := range rids {
			if layers[i], err = webrtc.NewTrackLocalStaticRTP(capability, "video", b.spec.Identity, webrtc.WithRTPStreamID(rid)); err != nil {
				return err
			}
			senders = append(senders, newSender(rid, string(m.codec), layers[i], m.layers[i]))
			opts.Layers = append(opts.Layers, &parleypb.SimulcastLayer{
				Rid: rid, Width: layerSizes()[i].Width, Height: layerSizes()[i].Height,
				Bitrate: uint32(m.layers[i].bitrate()), Fps: videoFPS,
			})
		}
		lt, err = b.room.PublishSimulcast(ctx, layers, opts)
	} else {
		track, terr := webrtc.NewTrackLocalStaticRTP(capability, "video", b.spec.Identity)
		if terr != nil {
			return terr
		}
		senders = append(senders, newSender("", string(m.codec), track, m.layers[2]))
		lt, err = b.room.PublishTrack(ctx, track, opts)
	}
	if err != nil {
		return err
	}
	b.startSending(run, lt, senders, time.Second/videoFPS)
	return nil
}

func (b *bot) publishAudio(ctx, run context.Context) error {
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: opusClockRate, Channels: 2,
	}, "audio", b.spec.Identity)
	if err != nil {
		return err
	}
	lt, err := b.room.PublishTrack(ctx, track, client.TrackOptions{Name: "microphone"})
	if err != nil {
		return err
	}
	b.startSending(run, lt, []*sender{newSender("", "opus", track, b.env.media.audio)}, opusFrame)
	return nil
}

// startSending learns the SSRCs of a published track's senders and starts
// their pacing and keyframe handling.
func (b *bot) startSending(ctx context.Context, lt *client.LocalTrack, senders []*sender, interval time.Duration) {
	for _, enc := range lt.Sender().GetParameters().Encodings {
		for _, s := range senders {
			if s.rid == enc.RID {
				s.ssrc.Store(uint32(enc.SSRC))
			}
		}
	}
	b.mu.Lock()
	b.senders = append(b.senders, senders...)
	b.mu.Unlock()
	b.wg.Go(func() { pace(ctx, interval, senders) })
	b.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case rid := <-lt.KeyframeRequests():
				for _, s := range senders {
					if s.rid == rid {
						s.wantKeyframe.Store(true)
					}
				}
			}
		}
	})
}

// pace sends one frame of every sender per interval until ctx ends.
func pace(ctx context.Context, interval time.Duration, senders []*sender) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		now := time.Now()
		for _, s := range senders {
			s.sendFrame(now)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// events follows the room until it closes.
func (b *bot) events() {
	for ev := range b.room.Events() {
		switch ev := ev.(type) {
		case client.TrackPublished:
			b.consider(ev.Track)
		case client.TrackSubscribed:
			b.subscribed(ev.Track)
		case client.SubscriptionFailed:
			b.fail("subscription refused: %v", ev.Err)
		case client.ErrorReceived:
			b.fail("server error: %v", ev.Err)
		case client.Disconnected:
			if b.connected.Swap(false) && ev.Reason != parleypb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST {
				b.fail("disconnected: %s %s %v", strings.TrimPrefix(ev.Reason.String(), "LEAVE_REASON_"), ev.Message, ev.Err)
			}
		}
	}
}

// consider subscribes to a track the layout shows: every audio track, and
// video tracks while the layout has tiles left, at the tile's size.
func (b *bot) consider(t *parleypb.TrackInfo) {
	b.mu.Lock()
	if _, seen := b.receivers[t.GetSid()]; seen || t.GetParticipantIdentity() == b.spec.Identity {
		b.mu.Unlock()
		return
	}
	r := &receiver{sid: t.GetSid(), publisher: t.GetParticipantIdentity(), latency: &b.latency, requested: time.Now()}
	var prefs client.SubscriptionPrefs
	switch t.GetKind() {
	case parleypb.TrackKind_TRACK_KIND_AUDIO:
		r.kind = "audio"
	case parleypb.TrackKind_TRACK_KIND_VIDEO:
		if b.videos >= len(b.env.tiles) {
			b.mu.Unlock()
			return
		}
		r.kind, r.tile = "video", b.env.tiles[b.videos]
		prefs.Width, prefs.Height = r.tile.Width, r.tile.Height
		b.videos++
	default:
		b.mu.Unlock()
		return
	}
	b.receivers[r.sid] = r
	b.mu.Unlock()
	if err := b.room.Subscribe(r.sid, prefs); err != nil {
		b.fail("subscribe: %v", err)
	}
}

// subscribed starts reading a track whose media arrived.
func (b *bot) subscribed(t *client.RemoteTrack) {
	b.mu.Lock()
	r, ok := b.receivers[t.Sid()]
	b.mu.Unlock()
	if !ok || !r.subscribed.CompareAndSwap(0, time.Now().UnixNano()) {
		return // not asked for, or a second subscription of the same track
	}
	codec := t.Codec()
	r.clockRate = float64(codec.ClockRate)
	switch mime := strings.ToLower(codec.MimeType); {
	case strings.HasSuffix(mime, "/vp8"):
		r.codec = "vp8"
	case strings.HasSuffix(mime, "/h264"):
		r.codec = "h264"
	default:
		r.codec = "opus"
	}
	track := t.Track()
	b.wg.Go(func() { r.run(track) })
}

// close leaves the room (bounded by ctx) and waits for the bot's
// goroutines; the caller has cancelled the context the senders run in.
func (b *bot) close(ctx context.Context) {
	if b.room != nil {
		b.connected.Store(false)
		_ = b.room.Leave(ctx)
	}
	b.wg.Wait()
}

// receiverList returns the bot's receivers.
func (b *bot) receiverList() []*receiver {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*receiver, 0, len(b.receivers))
	for _, r := range b.receivers {
		out = append(out, r)
	}
	return out
}

// senderList returns the bot's senders.
func (b *bot) senderList() []*sender {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*sender(nil), b.senders...)
}

// tracksGot counts the subscribed tracks whose media arrived.
func (b *bot) tracksGot() int {
	n := 0
	for _, r := range b.receiverList() {
		if r.subscribed.Load() != 0 {
			n++
		}
	}
	return n
}
