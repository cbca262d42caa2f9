package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/browsertest"
	pb "github.com/parley-sfu/parley/proto/parleypb"
	"github.com/parley-sfu/parley/web"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

// serve starts the web handler beside a fake signaling server on loopback.
func serve(t *testing.T) (*httptest.Server, *fakeSFU) {
	t.Helper()
	fake := newFakeSFU(t)
	mux := http.NewServeMux()
	fake.routes(mux)
	mux.Handle("/", web.Handler(web.Config{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, fake
}

const joinTimeout = 20 * time.Second

// TestRoomPage drives the room page through a whole session against the
// fake SFU: guest token, join, publish camera and microphone, subscribe to
// the echo of its own media as "bob", mute, track and participant removal,
// leave.
func TestRoomPage(t *testing.T) {
	srv, fake := serve(t)
	b := browsertest.Start(t)
	p := b.NewPage("alice")
	p.Navigate(srv.URL + "/demo?name=Alice&autojoin=1")
	p.WaitJS(`["joined", "failed"].includes(window.parleyDebug.state)`, joinTimeout)
	if state := p.Text(`[data-testid="status"]`); !strings.Contains(state, "In demo") {
		t.Fatalf("status %q, error %q", state, p.Text(`[data-testid="error"]`))
	}

	fake.mu.Lock()
	guest := strings.Join(fake.guestReq, "\n")
	fake.mu.Unlock()
	if want := `POST {"room":"demo","name":"Alice"}`; guest != want {
		t.Errorf("guest-token requests = %q, want %q", guest, want)
	}
	join := fake.request(t, "join", func(r *pb.SignalRequest) bool { return r.GetJoin() != nil }).GetJoin()
	if join.Token != "guest-Alice" || join.GetClient().GetSdk() != "web" || !join.GetAutoSubscribe() || join.Room != "demo" {
		t.Errorf("join = %v, want the guest token, sdk web, autoSubscribe, room demo", join)
	}

	// Both tracks are announced with the MediaStreamTrack id as cid; the
	// camera with its three simulcast layers.
	var cids struct{ Audio, Video string }
	p.Eval(`(() => { const m = window.parleyDebug.view.media; return {audio: m.mic.id, video: m.camera.id}; })()`, &cids)
	for _, want := range []struct {
		cid    string
		kind   pb.TrackKind
		source pb.TrackSource
		rids   string
	}{
		{cids.Audio, pb.TrackKind_TRACK_KIND_AUDIO, pb.TrackSource_TRACK_SOURCE_MICROPHONE, ""},
		{cids.Video, pb.TrackKind_TRACK_KIND_VIDEO, pb.TrackSource_TRACK_SOURCE_CAMERA, "q:320x180 h:640x360 f:1280x720"},
	} {
		add := fake.request(t, "addTrack "+want.kind.String(), func(r *pb.SignalRequest) bool {
			return r.GetAddTrack().GetCid() == want.cid
		}).GetAddTrack()
		if add.Kind != want.kind || add.Source != want.source {
			t.Errorf("addTrack %s: kind %v source %v, want %v %v", want.cid, add.Kind, add.Source, want.kind, want.source)
		}
		var rids []string
		for _, l := range add.Layers {
			rids = append(rids, fmt.Sprintf("%s:%dx%d", l.Rid, l.Width, l.Height))
		}
		if got := strings.Join(rids, " "); got != want.rids {
			t.Errorf("addTrack %v layers %q, want %q", want.kind, got, want.rids)
		}
	}
	offer := fake.request(t, "publisher offer with both tracks", func(r *pb.SignalRequest) bool {
		return strings.Contains(r.GetOffer().GetSdp(), cids.Audio) && strings.Contains(r.GetOffer().GetSdp(), cids.Video)
	}).GetOffer()
	for _, cid := range []string{cids.Audio, cids.Video} {
		if !strings.Contains(offer.Sdp, " "+cid+"\r\n") || !strings.Contains(offer.Sdp, "a=sendonly") {
			t.Errorf("publisher offer lacks a sendonly msid for track %s:\n%s", cid, offer.Sdp)
		}
	}
	if !strings.Contains(offer.Sdp, "a=simulcast:send q;h;f") {
		t.Errorf("publisher offer lacks the camera's simulcast layers:\n%s", offer.Sdp)
	}
	fake.request(t, "a publisher candidate", func(r *pb.SignalRequest) bool {
		return r.GetTrickle().GetTarget() == pb.SignalTarget_SIGNAL_TARGET_PUBLISHER && strings.Contains(r.GetTrickle().GetCandidateInit(), `"candidate":"candidate:`)
	})
	fake.request(t, "a subscriber candidate", func(r *pb.SignalRequest) bool {
		return r.GetTrickle().GetTarget() == pb.SignalTarget_SIGNAL_TARGET_SUBSCRIBER && r.GetTrickle().GetCandidateInit() != ""
	})
	fake.request(t, "a ping", func(r *pb.SignalRequest) bool { return r.GetPing().GetTimestamp() > 0 })

	// Bob's tile plays the echo of alice's camera, with the track sids of
	// the server's msid lines.
	bob := `[data-testid="tile-bob"]`
	p.WaitJS(`document.querySelector('[data-testid="tile-bob"] video')?.videoWidth > 0`, joinTimeout)
	if name := p.Text(bob + ` [data-testid="name"]`); name != "Bob" {
		t.Errorf("bob's tile is named %q", name)
	}
	if sid := p.Attr(bob+" video", "data-track-sid"); sid != "TR_bob_video" {
		t.Errorf("bob's video is track %q, want TR_bob_video", sid)
	}
	p.WaitJS(`document.querySelector('[data-testid="remote-audio"][data-track-sid="TR_bob_audio"]')?.srcObject`, joinTimeout)

	// The video is subscribed at the size of bob's tile.
	sub := fake.request(t, "a subscription at the tile's size", func(r *pb.SignalRequest) bool {
		for _, ts := range r.GetSubscription().GetTracks() {
			if ts.TrackSid == "TR_bob_video" && ts.Subscribe && !ts.Paused && ts.Width > 0 && ts.Height > 0 {
				return true
			}
		}
		return false
	}).GetSubscription()
	var tileWidth float64
	p.Eval(`document.querySelector('[data-testid="tile-bob"]').getBoundingClientRect().width`, &tileWidth)
	if w := float64(sub.Tracks[0].Width); w < tileWidth || w > tileWidth+16 {
		t.Errorf("subscribed at width %v, bob's tile is %v wide", w, tileWidth)
	}
	var first uint64
	browsertest.WaitFor(t, joinTimeout, "the subscriber to decode video", func() error {
		s := p.Stats()
		if first = s.PCs["subscriber"].InboundVideo[0].FramesDecoded; first == 0 {
			return fmt.Errorf("subscriber stats %+v", s.PCs["subscriber"].InboundVideo)
		}
		return nil
	})
	browsertest.WaitFor(t, joinTimeout, "frames and audio to keep coming", func() error {
		s := p.Stats()
		sub, pub := s.PCs["subscriber"], s.PCs["publisher"]
		switch {
		case sub.InboundVideo[0].FramesDecoded < first+15:
			return fmt.Errorf("framesDecoded %d, want >= %d", sub.InboundVideo[0].FramesDecoded, first+15)
		case s.AudioPacketsReceived() == 0:
			return fmt.Errorf("no audio received: %+v", sub.InboundAudio)
		case len(pub.OutboundVideo) != 3 || pub.OutboundVideo[2].RID != "q" || pub.OutboundVideo[2].BytesSent == 0:
			return fmt.Errorf("publisher sends no video: %+v", pub.OutboundVideo)
		}
		return nil
	})

	// Mute the microphone: the button flips and the server hears of it.
	p.Click(`#mic`)
	mute := fake.request(t, "mute", func(r *pb.SignalRequest) bool { return r.GetMute() != nil }).GetMute()
	if mute.TrackSid != "TR_self_TRACK_KIND_AUDIO" || !mute.Muted {
		t.Errorf("mute = %v, want the audio track muted", mute)
	}
	if label := p.Attr("#mic", "aria-label"); label != "Unmute microphone (M)" {
		t.Errorf("mic button label %q after muting", label)
	}

	s := fake.session(t, 0)
	s.send(&pb.SignalResponse{Message: &pb.SignalResponse_TrackRemoved{TrackRemoved: &pb.TrackUnpublished{
		TrackSid: "TR_bob_video", ParticipantSid: bobSid,
	}}})
	p.WaitJS(`document.querySelector('[data-testid="tile-bob"]').classList.contains("video-off") && !window.parleyDebug.participants.PA_bob.tracks.TR_bob_video`, joinTimeout)
	s.send(&pb.SignalResponse{Message: &pb.SignalResponse_ParticipantLeft{ParticipantLeft: &pb.ParticipantLeft{
		ParticipantSid: bobSid, Identity: "bob",
	}}})
	p.WaitJS(`!document.querySelector('[data-testid="tile-bob"]') && !window.parleyDebug.participants.PA_bob`, joinTimeout)
	s.send(&pb.SignalResponse{Message: &pb.SignalResponse_ParticipantJoined{ParticipantJoined: &pb.ParticipantJoined{
		Participant: &pb.ParticipantInfo{Sid: "PA_carol", Identity: "carol", Name: "Carol"},
	}}})
	p.WaitJS(`document.querySelector('[data-testid="tile-carol"] [data-testid="name"]')?.textContent === "Carol"`, joinTimeout)

	p.Click(`[aria-label="Leave meeting"]`)
	leave := fake.request(t, "leave", func(r *pb.SignalRequest) bool { return r.GetLeave() != nil }).GetLeave()
	if leave.Reason != pb.LeaveReason_LEAVE_REASON_CLIENT_REQUEST {
		t.Errorf("leave reason %v", leave.Reason)
	}
	p.WaitJS(`window.parleyDebug.state === "left"`, joinTimeout)

	for _, e := range p.Console() {
		if e.Type == "exception" || (e.Type == "error" && !strings.Contains(e.Text, "favicon")) {
			t.Errorf("console: %s", e)
		}
	}
}

// TestRoomPageJoinFailures checks that a failed join says why on the page.
func TestRoomPageJoinFailures(t *testing.T) {
	srv, fake := serve(t)
	b := browsertest.Start(t)
	tests := []struct {
		name        string
		query       string
		guestStatus int
		want        []string
	}{
		{"bad token", "?token=bad&autojoin=1", 0, []string{"Could not join", "ERROR_CODE_UNAUTHENTICATED", "token expired"}},
		{"guest tokens disabled", "?name=Zed&autojoin=1", http.StatusForbidden, []string{"HTTP 403", "guest tokens are disabled on this server", "?token="}},
	}
	// Page methods fail the browser's test, so the cases run in its
	// goroutine, one page each.
	for _, tt := range tests {
		fake.mu.Lock()
		fake.guestStatus = tt.guestStatus
		fake.mu.Unlock()
		p := b.NewPage(tt.name)
		p.Navigate(srv.URL + "/demo" + tt.query)
		p.WaitJS(`window.parleyDebug.state === "failed"`, joinTimeout)
		msg := p.Text(`[data-testid="error"]`)
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error message %q lacks %q", tt.name, msg, w)
			}
		}
		var hidden bool
		p.Eval(`document.querySelector('[data-testid="error"]').hidden`, &hidden)
		if hidden {
			t.Errorf("%s: the error message is hidden", tt.name)
		}
	}
}

// TestRoomPageWithoutDevices joins with camera and microphone denied: the
// page says so, joins and publishes nothing; ?relay=1 forces TURN.
func TestRoomPageWithoutDevices(t *testing.T) {
	srv, fake := serve(t)
	b := browsertest.Start(t, browsertest.WithPerPagePermissions())
	p := b.NewPage("viewer", browsertest.DenyPermissions("camera", "microphone"))
	p.Navigate(srv.URL + "/demo?name=Viewer&relay=1&autojoin=1")
	p.WaitJS(`window.parleyDebug.state === "joined"`, joinTimeout)
	p.WaitJS(`document.querySelector('[data-testid="toast"]')`, joinTimeout)
	if notice := p.Text(`[data-testid="toast"]`); !strings.Contains(notice, "camera is blocked") || !strings.Contains(notice, "microphone is blocked") {
		t.Errorf("notice %q", notice)
	}
	var policy string
	p.Eval(`window.parleyDebug.pcs.subscriber.getConfiguration().iceTransportPolicy`, &policy)
	if policy != "relay" {
		t.Errorf("iceTransportPolicy %q with ?relay=1, want relay", policy)
	}
	fake.request(t, "a ping", func(r *pb.SignalRequest) bool { return r.GetPing() != nil })
	fake.mu.Lock()
	requests := fake.requests
	fake.mu.Unlock()
	for _, r := range requests {
		if r.GetAddTrack() != nil || r.GetOffer() != nil {
			t.Errorf("a page without devices sent %v", r)
		}
	}
	if label := p.Attr("#mic", "aria-label"); label != "Unmute microphone (M)" {
		t.Errorf("mic button without a microphone: %q", label)
	}

	// The server ends the session: the page says why, in words.
	fake.session(t, 0).send(&pb.SignalResponse{Message: &pb.SignalResponse_Leave{Leave: &pb.LeaveResponse{
		Reason: pb.LeaveReason_LEAVE_REASON_ROOM_DELETED,
	}}})
	p.WaitJS(`window.parleyDebug.state === "left"`, joinTimeout)
	if msg := p.Text(`[data-testid="error"]`); msg != "You were disconnected: the room was closed." {
		t.Errorf("error after the room was deleted: %q", msg)
	}
}
