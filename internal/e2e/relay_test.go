package e2e

import (
	"testing"
	"time"

	"github.com/parley-sfu/parley/internal/browsertest"
	"github.com/parley-sfu/parley/internal/testutil"
	"github.com/parley-sfu/parley/server"
)

// TestBrowserRelayOnly (issue 6, test 3): Chromium with iceTransportPolicy
// "relay" (the page's ?relay=1 switch) gets its media through the embedded
// TURN server, with the credentials of its JoinResponse: it plays the
// other participant's video, and the other plays its own.
func TestBrowserRelayOnly(t *testing.T) {
	srv := testutil.StartServer(t, func(c *server.Config) { c.TURN.Enabled = true })
	b := browsertest.Start(t)
	relayed := b.NewPage("relayed")
	relayed.Navigate(srv.URL("relay") + "?name=relayed&autojoin=1&relay=1")
	relayed.WaitJS(`window.parleyDebug && window.parleyDebug.state === "joined"`, 30*time.Second)
	direct := join(t, b, srv, "relay", "direct")

	framesRising(t, relayed, "the relay-only page")
	framesRising(t, direct, "the other page")
	for name, pc := range relayed.Stats().PCs {
		var selected []string
		for _, pair := range pc.CandidatePairs {
			if pair.Selected {
				selected = append(selected, pair.Local.String())
				if pair.Local == nil || pair.Local.Type != "relay" {
					t.Errorf("%s PC of the relay-only page uses %v -> %v", name, pair.Local, pair.Remote)
				}
			}
		}
		if len(selected) == 0 {
			t.Errorf("%s PC of the relay-only page has no selected pair", name)
		}
	}
	if st := srv.TURN().Stats(); st.Allocations == 0 || st.PermissionsRefused != 0 {
		t.Errorf("TURN stats %+v: want live allocations and no refused permission", st)
	}
	if bad := relayed.Stats().CheckedNonLoopback(); len(bad) > 0 {
		t.Errorf("candidate pairs off loopback: %v", bad)
	}
}
