package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parley-sfu/parley/internal/browsertest"
)

// TestMeeting runs the meeting app end to end: a real Parley node and three
// participants in one headless Chromium with fake camera, microphone and
// screen. The scenarios share the browser and the room (a browser per
// scenario would cost more than the scenarios), so each step leaves the
// meeting as it found it:
//
//  1. everyone plays the two others' video and receives their audio;
//  2. chat reaches the others, with an unread badge; a raised hand shows;
//  3. a muted microphone shows on the others' tile; camera off shows the
//     avatar there;
//  4. speaker view puts bob on stage (carol muted), subscribed at a larger
//     size than the filmstrip; the frames that arrive are larger;
//  5. a screen share appears as its own tile for the others and goes away;
//  6. when the signaling connection drops, the page shows the reconnect
//     banner and recovers on its own (resuming its session), hand still
//     raised, media flowing;
//  7. leaving removes the tile for the others.
func TestMeeting(t *testing.T) {
	base := startMeetingServer(t)
	b := browsertest.Start(t, browsertest.WithFlag("auto-select-desktop-capture-source", "Entire screen"))
	if *screenshotDir != "" {
		home := newPage(t, b, "home")
		home.Navigate(base + "/")
		shoot(t, home, "home")
		home.Close()
	}
	const room = "e2e"
	alice := join(t, b, base, room, "Alice")
	bob := join(t, b, base, room, "Bob")
	carol := join(t, b, base, room, "Carol")
	everyone := []*person{alice, bob, carol}

	t.Log("1: video and audio both ways")
	for _, p := range everyone {
		for _, other := range everyone {
			if other != p {
				p.waitVideoPlaying(t, other)
			}
		}
		p.waitAudioFrom(t, 2)
	}

	checkStatsPopover(t, alice, "bob")

	t.Log("2: chat and a raised hand")
	checkChat(t, alice, bob, carol)
	checkHand(t, bob, alice, carol)
	if *screenshotDir != "" {
		alice.page.Click(`[data-testid="chat-button"]`)
		bob.page.Eval(`window.parleyDebug.view.session.sendChat("Hi Alice! Sharing the slides in a minute.")`, nil)
		carol.page.Eval(`window.parleyDebug.view.session.sendChat("Sounds good, I'm taking notes.")`, nil)
		alice.page.WaitJS(`document.querySelectorAll('[data-testid="chat-message"]').length === 3`, joinWait)
		shoot(t, alice.page, "meeting-tiles")
		alice.page.Click(`[data-testid="chat-close"]`)
	}

	t.Log("3: mute and camera off show on the others' tiles")
	checkMuteAndCameraOff(t, alice, bob, carol)

	t.Log("4: speaker view asks for a larger stage")
	checkSpeakerView(t, alice, bob, carol)

	t.Log("5: screen share")
	checkScreenShare(t, alice, bob, carol)

	t.Log("6: a lost signaling connection is rebuilt without a reload")
	checkRejoin(t, bob, alice, carol)

	t.Log("7: leaving")
	carol.page.Click(`[data-testid="leave-button"]`)
	carol.page.WaitJS(`window.parleyDebug.state === "left"`, joinWait)
	for _, p := range []*person{alice, bob} {
		p.page.WaitJS(`!`+jsQuery(tile("carol")), joinWait)
		p.page.WaitJS(`!`+jsQuery(`[data-testid="person-carol"]`), joinWait)
	}
	if got := carol.page.Text(`[data-testid="ended-title"]`); got != "You left the meeting" {
		t.Errorf("carol's page after leaving says %q", got)
	}
	noPageErrors(t, everyone...)
}

// waitVideoPlaying waits until p's tile of other shows video whose frames
// keep being decoded.
func (p *person) waitVideoPlaying(t *testing.T, other *person) {
	t.Helper()
	identity := other.identity
	p.page.WaitJS(jsQuery(tile(identity, "video"))+`?.videoWidth > 0 && `+visible(tile(identity, "video")), mediaWait)
	var first uint64
	browsertest.WaitFor(t, mediaWait, p.name+" decoding "+identity+"'s video", func() error {
		v, err := p.inbound(identity)
		if err != nil {
			return err
		}
		if first == 0 {
			first = v.FramesDecoded
			if first == 0 {
				return fmt.Errorf("framesDecoded 0")
			}
		}
		if v.FramesDecoded < first+10 {
			return fmt.Errorf("framesDecoded %d, want >= %d (%+v); %s sends: %s", v.FramesDecoded, first+10, v, identity, other.sends())
		}
		return nil
	})
}

// sends says what p's camera sends, layer by layer.
func (p *person) sends() string {
	s, err := p.page.StatsErr()
	if err != nil {
		return err.Error()
	}
	var layers []string
	for _, o := range s.OutboundVideo() {
		layers = append(layers, fmt.Sprintf("%s %dx%d %d bytes %d frames active %v limit %s (%d changes)", o.RID, o.FrameWidth, o.FrameHeight, o.BytesSent, o.FramesSent, o.Active, o.QualityLimitationReason, o.QualityLimitationResolutionChanges))
	}
	for _, cp := range s.PCs["publisher"].CandidatePairs {
		if cp.Selected {
			layers = append(layers, fmt.Sprintf("estimate %.0f kbps", cp.AvailableOutgoingBitrate/1000))
		}
	}
	// What the server's receiver reports say (loss and round trip).
	var loss string
	_ = p.page.EvalErr(`(async () => { const out = [];
		(await window.parleyDebug.pcs.publisher.getStats()).forEach((s) => {
			if (s.type === "remote-inbound-rtp" && s.kind === "video") out.push(s.packetsLost + " lost, rtt " + Math.round(s.roundTripTime * 1000) + " ms");
		});
		return out.join(", "); })()`, &loss)
	layers = append(layers, "server reports: "+loss)
	return strings.Join(layers, "; ")
}

// waitAudioFrom waits until p receives audio packets on n tracks, each
// played by an audio element.
func (p *person) waitAudioFrom(t *testing.T, n int) {
	t.Helper()
	p.page.WaitJS(fmt.Sprintf(`[...document.querySelectorAll('[data-testid="remote-audio"]')].filter((a) => a.srcObject && !a.paused).length === %d`, n), mediaWait)
	browsertest.WaitFor(t, mediaWait, p.name+" receiving audio", func() error {
		s, err := p.page.StatsErr()
		if err != nil {
			return err
		}
		got := 0
		for _, a := range s.InboundAudio() {
			if a.PacketsReceived > 20 {
				got++
			}
		}
		if got < n {
			var parts any
			p.page.Eval(`[Object.values(window.parleyDebug.participants).map((p) => [p.identity, Object.values(p.tracks).map((t) => t.sid + " " + t.kind)]),
				window.parleyDebug.pcs.subscriber.getTransceivers().map((t) => t.mid + ":" + t.currentDirection + ":" + t.receiver.track.id + ":" + t.receiver.track.readyState + ":" + t.receiver.track.muted)]`, &parts)
			return fmt.Errorf("%d audio tracks with packets, want %d: %+v; participants %v", got, n, s.InboundAudio(), parts)
		}
		return nil
	})
}

func checkChat(t *testing.T, from *person, to ...*person) {
	t.Helper()
	const msg = "Hello from the test"
	from.page.Click(`[data-testid="chat-button"]`)
	from.page.WaitJS(visible(`[data-testid="chat-input"]`), joinWait)
	from.page.Eval(fmt.Sprintf(`(() => { const i = %s; i.value = %q; i.form.requestSubmit(); })()`, jsQuery(`[data-testid="chat-input"]`), msg), nil)
	from.page.WaitJS(`document.querySelectorAll('[data-testid="chat-message"]').length === 1`, joinWait)
	for _, p := range to {
		p.page.WaitJS(visible(`[data-testid="chat-unread"]`)+` && `+jsQuery(`[data-testid="chat-unread"]`)+`.textContent === "1"`, joinWait)
		p.page.Click(`[data-testid="chat-button"]`)
		p.page.WaitJS(visible(`[data-testid="chat-panel"]`)+` && !`+visible(`[data-testid="chat-unread"]`), joinWait)
		if got := p.page.Text(`[data-testid="chat-message"] .text`); got != msg {
			t.Errorf("%s sees the chat message %q, want %q", p.name, got, msg)
		}
		if got := p.page.Text(`[data-testid="chat-from"]`); got != from.name {
			t.Errorf("%s sees the message from %q, want %q", p.name, got, from.name)
		}
		p.page.Click(`[data-testid="chat-close"]`)
	}
	from.page.Click(`[data-testid="chat-close"]`)
}

func checkHand(t *testing.T, raiser *person, others ...*person) {
	t.Helper()
	raiser.page.Click(`[data-testid="hand-button"]`)
	raiser.page.WaitJS(visible(tile("local", "hand")), joinWait)
	for _, p := range others {
		p.page.WaitJS(visible(tile(raiser.identity, "hand")), joinWait)
		p.page.WaitJS(jsQuery(`[data-testid="person-`+raiser.identity+`"] [data-testid="person-hand"]`), joinWait)
	}
}

func checkMuteAndCameraOff(t *testing.T, alice *person, others ...*person) {
	t.Helper()
	alice.press(t, "m") // the shortcut of the mic button
	if got := alice.page.Attr(`[data-testid="mic-button"]`, "aria-label"); got != "Unmute microphone (M)" {
		t.Errorf("mic button label after muting: %q", got)
	}
	for _, p := range others {
		p.page.WaitJS(visible(tile("alice", "mic-muted")), joinWait)
	}
	alice.page.Click(`[data-testid="mic-button"]`)
	for _, p := range others {
		p.page.WaitJS(`!`+visible(tile("alice", "mic-muted")), joinWait)
	}

	alice.page.Click(`[data-testid="camera-button"]`)
	for _, p := range others {
		p.page.WaitJS(visible(tile("alice", "avatar"))+` && !`+visible(tile("alice", "video")), joinWait)
		if got := p.page.Text(tile("alice", "avatar")); got != "AL" {
			t.Errorf("%s sees alice's avatar as %q", p.name, got)
		}
	}
	alice.page.Click(`[data-testid="camera-button"]`)
	for _, p := range others {
		p.waitVideoPlaying(t, alice)
	}
}

// checkSpeakerView switches alice to speaker view: bob must be on stage
// (the first remote participant, or the one speaking: carol mutes first
// and alice's own voice does not count), subscribed larger than the
// filmstrip (carol), and his frames must arrive larger. (Whether the fake
// microphones' beeps count as speech is up to the detector and the load;
// TestActiveSpeaker tests speakers with a voice.)
func checkSpeakerView(t *testing.T, alice, bob, carol *person) {
	t.Helper()
	p := alice.page
	carol.page.Click(`[data-testid="mic-button"]`)
	p.WaitJS(visible(tile("carol", "mic-muted"))+` && !`+speaking("carol"), mediaWait)
	p.Click(`[data-testid="layout-button"]`)
	p.WaitJS(visible(`[data-testid="stage"] `+tile("bob")), joinWait)
	p.WaitJS(visible(`[data-testid="filmstrip"] `+tile("carol")), joinWait)
	stageSid := p.Attr(tile("bob", "video"), "data-track-sid")
	stripSid := p.Attr(tile("carol", "video"), "data-track-sid")
	p.WaitJS(fmt.Sprintf(`(() => { const s = window.parleyDebug.subscriptions, a = s[%q], b = s[%q];
		return a && b && !a.paused && !b.paused && a.width > 2 * b.width; })()`, stageSid, stripSid), joinWait)
	// The frames: the stage must get a larger layer than the filmstrip.
	err := pollErr(mediaWait, func() error {
		stage, err := alice.inbound("bob")
		if err != nil {
			return err
		}
		strip, err := alice.inbound("carol")
		if err != nil {
			return err
		}
		if stage.FrameWidth <= strip.FrameWidth || strip.FrameWidth == 0 {
			return fmt.Errorf("stage %d×%d, filmstrip %d×%d; bob sends %s", stage.FrameWidth, stage.FrameHeight, strip.FrameWidth, strip.FrameHeight, bob.sends())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("waited %v for the stage to get larger frames than the filmstrip: %v", mediaWait, err)
	}
	t.Logf("bob sends %s", bob.sends())
	shoot(t, p, "meeting-speaker")
	p.Click(`[data-testid="layout-button"]`)
	p.WaitJS(`window.parleyDebug.layout.mode === "grid" && `+visible(`[data-testid="grid"] `+tile("carol")), joinWait)
	carol.page.Click(`[data-testid="mic-button"]`)
	p.WaitJS(`!`+visible(tile("carol", "mic-muted")), joinWait)
}

func checkScreenShare(t *testing.T, alice *person, others ...*person) {
	t.Helper()
	alice.page.Click(`[data-testid="share-button"]`)
	alice.page.WaitJS(visible(tile("local-screen", "video")), joinWait)
	for _, p := range others {
		p.page.WaitJS(jsQuery(tile("alice-screen", "video"))+`?.videoWidth > 0 && `+visible(tile("alice-screen", "video")), mediaWait)
		if got := p.page.Text(tile("alice-screen", "name")); !strings.Contains(got, "Alice") {
			t.Errorf("%s: the screen tile is named %q", p.name, got)
		}
	}
	var hint string
	alice.page.Eval(`window.parleyDebug.view.media.screen.contentHint`, &hint)
	if hint != "detail" {
		t.Errorf("screen track contentHint %q, want detail", hint)
	}
	alice.page.Click(`[data-testid="share-button"]`)
	for _, p := range others {
		p.page.WaitJS(`!`+jsQuery(tile("alice-screen")), joinWait)
	}
}

// checkRejoin closes p's signaling socket under it: the banner shows, the
// page recovers in place (resuming its session, or rejoining with a new
// one) and the meeting goes on.
func checkRejoin(t *testing.T, p *person, others ...*person) {
	t.Helper()
	var pageID string
	p.page.Eval(`window.parleyPageID = Math.random().toString(36); window.parleyPageID`, &pageID)
	p.page.Eval(`window.parleyDebug.view.session.signal.ws.close(); true`, nil)
	p.page.WaitJS(visible(`[data-testid="reconnect-banner"]`)+` || window.parleyDebug.rejoins + window.parleyDebug.resumes > 0`, joinWait)
	p.page.WaitJS(`window.parleyDebug.rejoins + window.parleyDebug.resumes === 1 && window.parleyDebug.state === "joined"`, joinWait)
	var same string
	p.page.Eval(`window.parleyPageID`, &same)
	if same != pageID {
		t.Fatalf("%s's page was reloaded", p.name)
	}
	for _, o := range others {
		p.waitVideoPlaying(t, o)
		o.waitVideoPlaying(t, p)
		o.page.WaitJS(visible(tile(p.identity, "hand")), joinWait) // still raised
	}
	p.waitAudioFrom(t, len(others))
	p.page.WaitJS(`!`+visible(`[data-testid="reconnect-banner"]`), joinWait)
}

// press types a key into the page (keyboard shortcuts).
func (p *person) press(t *testing.T, key string) {
	t.Helper()
	if err := chromedp.Do(p.page.Context(), chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("%s: pressing %q: %v", p.name, key, err)
	}
}

// checkStatsPopover opens the connection statistics of a tile: live
// numbers from getStats, closed again with Escape; "?" shows the shortcuts.
func checkStatsPopover(t *testing.T, p *person, identity string) {
	t.Helper()
	p.page.Click(tile(identity, "quality"))
	p.page.WaitJS(visible(`[data-testid="stats-popover"]`), joinWait)
	stat := func(name string) string {
		return `document.querySelector('[data-testid="stats-popover"] [data-stat="` + name + `"]')?.textContent`
	}
	p.page.WaitJS(`/^\d+×\d+$/.test(`+stat("resolution")+`) && /VP8/.test(`+stat("codec")+`) && /kbps/.test(`+stat("bitrate")+`)`, joinWait)
	if q := p.page.Attr(tile(identity, "quality"), "data-quality"); q == "" {
		t.Errorf("%s's tile has no connection quality level", identity)
	}
	p.press(t, "\x1b") // Escape
	p.page.WaitJS(`!`+visible(`[data-testid="stats-popover"]`), joinWait)
	p.press(t, "?")
	p.page.WaitJS(`document.querySelector('[data-testid="shortcuts-dialog"]').open`, joinWait)
	p.press(t, "\x1b")
	p.page.WaitJS(`!document.querySelector('[data-testid="shortcuts-dialog"]').open`, joinWait)
}
