package cascade_test

import (
	"fmt"
	"testing"

	"github.com/parley-sfu/parley/internal/browsertest"
)

// TestBrowsersOnTwoNodes (issue 7, test 3): two Chromium tabs running the
// web app, one on node A and one on node B, join one room and see and hear
// each other through the relays.
func TestBrowsersOnTwoNodes(t *testing.T) {
	_, nodes := startCluster(t, "A", "B")
	b := browsertest.Start(t)
	pages := []*browsertest.Page{b.NewPage("alice"), b.NewPage("bob")}
	names := []string{"alice", "bob"}
	for i, p := range pages {
		p.Navigate(nodes[i].URL("demo") + "?name=" + names[i] + "&autojoin=1")
	}
	for _, p := range pages {
		p.WaitJS(`window.parleyDebug && window.parleyDebug.state === "joined"`, 2*settle)
	}

	for i, p := range pages {
		other := names[1-i]
		// The other's tile (its identity starts with its name) plays video.
		tile := fmt.Sprintf(`document.querySelector('[data-testid^="tile-%s"] video')`, other)
		p.WaitJS(tile+` && `+tile+`.videoWidth > 0`, 2*settle)
		var first uint64
		browsertest.WaitFor(t, settle, names[i]+" decoding "+other+"'s video", func() error {
			if first = p.Stats().FramesDecoded(); first == 0 {
				return fmt.Errorf("no frame decoded: %+v", p.Stats().InboundVideo())
			}
			return nil
		})
		browsertest.WaitFor(t, settle, names[i]+" receiving "+other+"'s video and audio", func() error {
			s := p.Stats()
			switch {
			case s.FramesDecoded() < first+30:
				return fmt.Errorf("framesDecoded %d, want %d", s.FramesDecoded(), first+30)
			case s.AudioPacketsReceived() < 50:
				return fmt.Errorf("audio packets %d: %+v", s.AudioPacketsReceived(), s.InboundAudio())
			}
			return nil
		})
	}

	// The media went through relays both ways.
	for i, n := range nodes {
		peer := nodes[1-i].Cascade().ID()
		var sent uint64
		for _, st := range n.Cascade().RelayStats() {
			if st.Outbound && st.Peer == peer {
				sent += st.Packets
			}
		}
		if sent < 100 {
			t.Fatalf("node %s relayed %d packets to %s: %+v", n.Cascade().ID(), sent, peer, n.Cascade().RelayStats())
		}
	}
}
