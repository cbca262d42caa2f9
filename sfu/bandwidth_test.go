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
	lc := startLimitedCall(t, 300_000, 40_000)
	defer lc.end(t)
	rig, sub, r, dt := lc.rig, lc.sub, lc.r, lc.dt
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

// TestPausedSubscriberRecovers: a subscriber whose link carries less than
// the lowest layer (60 kbit/s) gets the track paused for bandwidth; when
// the limit is lifted, the controller resumes it on trial and probes, and
// it climbs back to the top layer. Nothing else carries probes or
// feedback meanwhile, so without the trial the track would stay paused.
func TestPausedSubscriberRecovers(t *testing.T) {
	defer goleak.VerifyNone(t)
	lc := startLimitedCall(t, 60_000, 20_000)
	defer lc.end(t)
	rig, sub, dt := lc.rig, lc.sub, lc.dt
	eventually(t, 30*time.Second, "the track paused for bandwidth", func() bool {
		return dt.TargetLayer() == LayerNone && dt.StreamState().Reason == PauseBandwidth
	})
	est, _ := sub.server.Estimate()
	t.Logf("paused at an estimate of %d bit/s", est)

	rig.subLink.SetRate(100_000_000)
	rig.subLink.SetBurst(1 << 20)
	lifted := time.Now()
	eventually(t, 60*time.Second, "the top layer again", func() bool { return dt.CurrentLayer() == 2 })
	t.Logf("back at the top layer %v after the limit was lifted", time.Since(lifted).Round(100*time.Millisecond))
}

// limitedCall is a subscriber of a three-layer track (about 100 kbit/s,
// 420 kbit/s and 1.2 Mbit/s) behind a link limited to rate bits per
// second (a queue of queueBytes on the virtual network).
type limitedCall struct {
	call *vnetCall
	rig  *vnetRig
	pub  *pubClient
	sub  *subClient
	r    *Receiver
	dt   *DownTrack
}

func startLimitedCall(t *testing.T, rate int, queueBytes int64) *limitedCall {
	t.Helper()
	call := startVNetCall(t, rate, queueBytes)
	rig, e := call.rig, call.e
	shapes := [MaxLayers]layerShape{{packets: 1, size: 350}, {packets: 2, size: 800}, {packets: 5, size: 950}}
	pub, r, _ := publishSimulcast(t, e, call.m, rig.clientPC(rig.pub), shapes)
	sub := newSubClientOn(t, e, rig.clientPC(rig.sub))
	sub.countOnly = true
	lc := &limitedCall{call: call, rig: rig, pub: pub, sub: sub, r: r}
	dt, err := sub.server.AddTrack(r, Preferences{})
	if err != nil {
		lc.end(t)
		t.Fatal(err)
	}
	lc.dt = dt
	return lc
}

func (lc *limitedCall) end(t *testing.T) { lc.call.end(t, lc.sub, lc.pub) }
