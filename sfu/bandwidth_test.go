package sfu

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestBandwidthLimitedSubscriber: a subscriber whose link carries 300
// kbit/s (a token bucket on the virtual network) asks for the top layer of
// a three-layer track (about 100 kbit/s, 420 kbit/s and 1.2 Mbit/s). The
// estimate from its transport-wide feedback brings it down to the lowest
// layer, where it stays without sustained loss while probes for more fail;
// when the limit is lifted, probes succeed and it climbs back to the top
// layer within a bounded time.
func TestBandwidthLimitedSubscriber(t *testing.T) {
	defer goleak.VerifyNone(t)
	call := startVNetCall(t, 300_000, 40_000)
	rig, e := call.rig, call.e
	shapes := [MaxLayers]layerShape{{packets: 1, size: 350}, {packets: 2, size: 800}, {packets: 5, size: 950}}
	pub, r, _ := publishSimulcast(t, e, call.m, rig.clientPC(rig.pub), shapes)
	sub := newSubClientOn(t, e, rig.clientPC(rig.sub))
	sub.countOnly = true
	defer call.end(t, sub, pub)
	dt, err := sub.server.AddTrack(r, Preferences{})
	if err != nil {
		t.Fatal(err)
	}
	logState := func(what string) {
		est, _ := sub.server.Estimate()
		st := dt.Stats()
		t.Logf("%s: layer %d (target %d), estimate %d, loss %.3f, sent %d, padding %d, feedbacks %d, rates %v",
			what, dt.CurrentLayer(), dt.TargetLayer(), est, sub.server.tx.bwe.LossFraction(),
			st.PacketsSent, st.PaddingPackets, st.Feedbacks, r.LayerRates())
	}
	eventually(t, 30*time.Second, "the subscriber receiving", func() bool {
		rt := sub.track("TR_sim")
		return rt != nil && rt.count.Load() > 30
	})

	// Settles on the lowest layer.
	eventually(t, 30*time.Second, "the lowest layer", func() bool { return dt.CurrentLayer() == 0 })
	logState("settled")
	time.Sleep(2 * time.Second) // the queue drains
	// It stays there, without sustained loss, while probes fail.
	padding := dt.Stats().PaddingPackets
	lossy := 0
	for i := range 80 { // 8 s
		time.Sleep(100 * time.Millisecond)
		if l := dt.CurrentLayer(); l != 0 {
			logState("left the lowest layer")
			t.Fatalf("moved to layer %d at %d ms on a 300 kbit/s link", l, i*100)
		}
		if sub.server.tx.bwe.LossFraction() > 0.05 {
			lossy++
		}
	}
	logState("held")
	if lossy > 20 {
		t.Fatalf("loss above 5%% for %d of 80 samples at the lowest layer", lossy)
	}
	if dt.Stats().PaddingPackets == padding {
		t.Fatal("no probe for a higher layer in 8 s")
	}

	// Lift the limit: back to the top layer.
	rig.subLink.SetRate(100_000_000)
	rig.subLink.SetBurst(1 << 20)
	lifted := time.Now()
	eventually(t, 40*time.Second, "the top layer again", func() bool { return dt.CurrentLayer() == 2 })
	logState("recovered")
	t.Logf("back at the top layer %v after the limit was lifted", time.Since(lifted).Round(100*time.Millisecond))
}
