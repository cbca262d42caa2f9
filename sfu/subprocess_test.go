package sfu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Subscribers in a process of their own, for measuring the SFU's CPU time
// per packet without the clients' decryption and reading in the same
// process: the benchmark re-runs its test binary with subscriberProcessEnv
// set, and the two sides speak JSON lines over the child's stdin and
// stdout (offers and candidates in, answers out). The clients have no
// interceptors: they send no NACKs or feedback the SFU would have to act
// on, so the parent measures forwarding alone.

const (
	subscriberProcessEnv = "PARLEY_SFU_SUBSCRIBER_PROCESS"
	drainProcessEnv      = "PARLEY_SFU_DRAIN_PROCESS"
)

// subMsg is one line between the benchmark and its subscriber process.
type subMsg struct {
	I    int                      `json:"i"`
	Kind string                   `json:"kind"` // offer, candidate, answer, media
	SDP  string                   `json:"sdp,omitempty"`
	Cand *webrtc.ICECandidateInit `json:"cand,omitempty"`
}

// runSubscriberProcess is the child's main: it answers offers until its
// stdin closes.
func runSubscriberProcess() {
	out := json.NewEncoder(os.Stdout)
	var outMu sync.Mutex
	send := func(m subMsg) {
		outMu.Lock()
		defer outMu.Unlock()
		_ = out.Encode(m)
	}
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		panic(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(isLoopbackInterface)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(&interceptor.Registry{}), webrtc.WithSettingEngine(se))

	pcs := map[int]*webrtc.PeerConnection{}
	pending := map[int][]webrtc.ICECandidateInit{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var m subMsg
		if json.Unmarshal(in.Bytes(), &m) != nil {
			continue
		}
		pc := pcs[m.I]
		if pc == nil {
			var err error
			if pc, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
				panic(err)
			}
			pcs[m.I] = pc
			i := m.I
			pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
				go func() {
					buf := make([]byte, 1500)
					first := true
					for {
						if _, _, err := tr.Read(buf); err != nil {
							return
						}
						if first {
							first = false
							send(subMsg{I: i, Kind: "media"})
						}
					}
				}()
			})
		}
		switch m.Kind {
		case "candidate":
			if pc.RemoteDescription() == nil {
				pending[m.I] = append(pending[m.I], *m.Cand)
			} else {
				_ = pc.AddICECandidate(*m.Cand)
			}
		case "offer":
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP}); err != nil {
				panic(err)
			}
			for _, c := range pending[m.I] {
				_ = pc.AddICECandidate(c)
			}
			pending[m.I] = nil
			answer, err := pc.CreateAnswer(nil)
			if err != nil {
				panic(err)
			}
			gathered := webrtc.GatheringCompletePromise(pc)
			if err := pc.SetLocalDescription(answer); err != nil {
				panic(err)
			}
			<-gathered
			send(subMsg{I: m.I, Kind: "answer", SDP: pc.LocalDescription().SDP})
		}
	}
	for _, pc := range pcs {
		_ = pc.Close()
	}
}

// subscriberProcess is the parent's handle on the child.
type subscriberProcess struct {
	tb    testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	inMu  sync.Mutex
	subs  []*Subscriber
	media chan int
	done  chan struct{}
}

// startSubscriberProcess starts the child and connects n subscribers of e
// to it, each subscribed to src.
func startSubscriberProcess(tb testing.TB, e *Engine, src TrackSource, n int) *subscriberProcess {
	tb.Helper()
	cmd, stdin, stdout := startChild(tb, subscriberProcessEnv)
	p := &subscriberProcess{tb: tb, cmd: cmd, stdin: stdin, media: make(chan int, n), done: make(chan struct{})}
	for i := range n {
		s, err := e.NewSubscriber(SubscriberConfig{
			ParticipantID: fmt.Sprintf("PA_sub%d", i),
			OnOffer:       func(o webrtc.SessionDescription) { p.send(subMsg{I: i, Kind: "offer", SDP: o.SDP}) },
			OnICECandidate: func(c *webrtc.ICECandidateInit) {
				if c != nil {
					p.send(subMsg{I: i, Kind: "candidate", Cand: c})
				}
			},
		})
		if err != nil {
			tb.Fatal(err)
		}
		p.subs = append(p.subs, s)
	}
	go func() {
		defer close(p.done)
		in := bufio.NewScanner(stdout)
		in.Buffer(make([]byte, 1<<20), 1<<20)
		for in.Scan() {
			var m subMsg
			if json.Unmarshal(in.Bytes(), &m) != nil || m.I < 0 || m.I >= n {
				continue
			}
			switch m.Kind {
			case "answer":
				_ = p.subs[m.I].HandleAnswer(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
			case "media":
				p.media <- m.I
			}
		}
	}()
	for _, s := range p.subs {
		if _, err := s.AddTrack(src, Preferences{}); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

func (p *subscriberProcess) send(m subMsg) {
	b, _ := json.Marshal(m)
	p.inMu.Lock()
	defer p.inMu.Unlock()
	_, _ = p.stdin.Write(append(b, '\n'))
}

// waitMedia waits until every subscriber received media, feeding packets
// with feed meanwhile.
func (p *subscriberProcess) waitMedia(feed func()) {
	got := 0
	deadline := time.Now().Add(60 * time.Second)
	for got < len(p.subs) {
		select {
		case <-p.media:
			got++
		case <-time.After(2 * time.Millisecond):
			feed()
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("%d of %d subscribers receiving after a minute", got, len(p.subs))
		}
	}
}

// close ends the subscribers and the child.
func (p *subscriberProcess) close() {
	for _, s := range p.subs {
		_ = s.Close()
	}
	_ = p.stdin.Close()
	_ = p.cmd.Wait()
	<-p.done
}

// cpuTime returns the CPU time (user and system) this process used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runDrainProcess is the floor benchmark's receiver: it prints the port of
// a loopback UDP socket and reads it until its stdin closes.
func runDrainProcess() {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		panic(err)
	}
	_ = conn.SetReadBuffer(4 << 20)
	fmt.Println(conn.LocalAddr().(*net.UDPAddr).Port)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = conn.Close()
	}()
	buf := make([]byte, 1500)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

// drainProcess is the parent's handle on a drain process.
type drainProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  *net.UDPAddr
}

func startDrainProcess(tb testing.TB) *drainProcess {
	tb.Helper()
	cmd, stdin, stdout := startChild(tb, drainProcessEnv)
	var port int
	if _, err := fmt.Fscanln(stdout, &port); err != nil {
		tb.Fatalf("drain process: %v", err)
	}
	return &drainProcess{cmd: cmd, stdin: stdin, addr: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
}

func (d *drainProcess) close() {
	_ = d.stdin.Close()
	_ = d.cmd.Wait()
}

// startChild runs this test binary again with env set (TestMain then runs
// the child's part) and returns its pipes.
func startChild(tb testing.TB, env string) (*exec.Cmd, io.WriteCloser, io.Reader) {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	return cmd, stdin, stdout
}
