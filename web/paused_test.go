package web_test

import (
	"testing"

	"github.com/parley-sfu/parley/internal/browsertest"
	"github.com/parley-sfu/parley/internal/testutil"
)

// TestPausedForBandwidth: a server whose subscriber bandwidth estimates
// are capped below the smallest camera layer (rtc.congestion.max_bitrate,
// an operator's setting, 40 kbps here: audio fits, no video layer does)
// pauses the video it forwards for bandwidth and says so; the page shows
// the notice on that person's tile, and a toast.
func TestPausedForBandwidth(t *testing.T) {
	srv := testutil.StartServer(t, testutil.CapBitrate(30_000, 40_000, 40_000))
	base := "http://" + srv.HTTPAddr()
	b := browsertest.Start(t)
	alice := join(t, b, base, "narrow", "Alice")
	bob := join(t, b, base, "narrow", "Bob")
	alice.page.WaitJS(visible(tile("bob", "paused-notice")), mediaWait)
	if got := alice.page.Text(tile("bob", "paused-notice")); got != "Video paused: low bandwidth" {
		t.Errorf("alice's notice on bob's tile says %q", got)
	}
	alice.page.WaitJS(`[...document.querySelectorAll('[data-testid="toast"]')].some((e) => e.textContent === "Bob's video is paused to save bandwidth.")`, joinWait)
	alice.waitAudioFrom(t, 1) // audio is always forwarded
	noPageErrors(t, alice, bob)
}
