package sfu

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v4/vnet"
	"github.com/pion/webrtc/v4"
)

// The virtual network of the loss and bandwidth tests (pion's vnet, all in
// process): the SFU at 10.0.0.1, a publisher at 10.0.0.2, a subscriber at
// 10.0.0.3. A router chunk filter drops packets at random by direction,
// and the subscriber's link can be a token bucket.
const (
	vnetServerIP     = "10.0.0.1"
	vnetPublisherIP  = "10.0.0.2"
	vnetSubscriberIP = "10.0.0.3"
)

type vnetRig struct {
	t       testing.TB
	router  *vnet.Router
	server  *vnet.Net
	pub     *vnet.Net
	sub     *vnet.Net
	subLink *vnet.TBFQueue // nil unless shaped
	queue   *vnet.Queue

	mu  sync.Mutex
	rng *rand.Rand
	// loss in 1/1000 of packets to the subscriber and from the publisher
	lossToSub   atomic.Int32
	lossFromPub atomic.Int32
	droppedSub  atomic.Int64
}

// newVNetRig builds the network; shape, when set, limits the link to the
// subscriber to rate bits per second with a queue of queueBytes.
func newVNetRig(t testing.TB, rate int, queueBytes int64) *vnetRig {
	t.Helper()
	rig := &vnetRig{t: t, rng: rand.New(rand.NewPCG(3, 4))}
	var err error
	rig.router, err = vnet.NewRouter(&vnet.RouterConfig{
		CIDR: "10.0.0.0/24", MinDelay: 10 * time.Millisecond, LoggerFactory: logging.NewDefaultLoggerFactory(),
	})
	if err != nil {
		t.Fatal(err)
	}
	newNet := func(ip string) *vnet.Net {
		n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rig.server, rig.pub, rig.sub = newNet(vnetServerIP), newNet(vnetPublisherIP), newNet(vnetSubscriberIP)
	for _, n := range []*vnet.Net{rig.server, rig.pub} {
		if err := rig.router.AddNet(n); err != nil {
			t.Fatal(err)
		}
	}
	var subNIC vnet.NIC = rig.sub
	if rate > 0 {
		// A token bucket of two packets: a probe cannot hide in a burst.
		rig.subLink = vnet.NewTBFQueue(rate, 2500, queueBytes)
		if rig.queue, err = vnet.NewQueue(rig.sub, rig.subLink); err != nil {
			t.Fatal(err)
		}
		subNIC = rig.queue
	}
	if err := rig.router.AddNet(subNIC); err != nil {
		t.Fatal(err)
	}
	rig.router.AddChunkFilter(rig.filter)
	if err := rig.router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rig.close) // also when the test fails before its own close
	return rig
}

// filter drops packets at random, by direction.
func (rig *vnetRig) filter(c vnet.Chunk) bool {
	src, dst := c.SourceAddr().(*net.UDPAddr), c.DestinationAddr().(*net.UDPAddr)
	loss := int32(0)
	switch {
	case dst != nil && dst.IP.String() == vnetSubscriberIP:
		loss = rig.lossToSub.Load()
	case src != nil && src.IP.String() == vnetPublisherIP:
		loss = rig.lossFromPub.Load()
	}
	if loss == 0 {
		return true
	}
	rig.mu.Lock()
	drop := rig.rng.Int32N(1000) < loss
	rig.mu.Unlock()
	if drop && dst.IP.String() == vnetSubscriberIP {
		rig.droppedSub.Add(1)
	}
	return !drop
}

func (rig *vnetRig) close() {
	if rig.queue != nil {
		_ = rig.queue.Close()
	}
	_ = rig.router.Stop()
}

// engine starts an SFU on the server's address.
func (rig *vnetRig) engine() *Engine {
	cfg := DefaultConfig()
	cfg.UDPPort = 0
	cfg.BindAddress = vnetServerIP
	cfg.PLIThrottle = 100 * time.Millisecond
	e, err := NewEngine(cfg, testLogger(rig.t), WithNet(rig.server))
	if err != nil {
		rig.t.Fatal(err)
	}
	return e
}

// clientPC returns a browser-like PeerConnection on n.
func (rig *vnetRig) clientPC(n *vnet.Net) *webrtc.PeerConnection {
	return newClientPCWith(rig.t, func(se *webrtc.SettingEngine) { se.SetNet(n) })
}

// vnetCall is an engine on a virtual network with media sources, torn
// down in order by end.
type vnetCall struct {
	rig *vnetRig
	e   *Engine
	m   *media
}

// startVNetCall builds the network (see newVNetRig) and starts an engine
// on it; the caller defers end.
func startVNetCall(t *testing.T, rate int, queueBytes int64) *vnetCall {
	rig := newVNetRig(t, rate, queueBytes)
	return &vnetCall{rig: rig, e: rig.engine(), m: newMedia()}
}

// end closes the clients, then the sources, the engine and the network.
func (c *vnetCall) end(t *testing.T, sub *subClient, pub *pubClient) {
	sub.close()
	pub.close()
	c.m.stop()
	if err := c.e.Close(); err != nil {
		t.Error(err)
	}
	c.rig.close()
}
