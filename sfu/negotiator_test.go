package sfu

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// negRig runs a negotiator with counting offer/deliver functions.
type negRig struct {
	n         *negotiator
	wg        sync.WaitGroup
	made      atomic.Int32
	delivered chan webrtc.SessionDescription
	failOffer atomic.Bool
	failures  atomic.Int32
}

func newNegRig(t *testing.T) *negRig {
	r := &negRig{delivered: make(chan webrtc.SessionDescription, 16)}
	r.n = newNegotiator(
		func(bool) (webrtc.SessionDescription, error) {
			if r.failOffer.Load() {
				return webrtc.SessionDescription{}, errors.New("boom")
			}
			n := r.made.Add(1)
			return webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(rune('0' + n))}, nil
		},
		func(o webrtc.SessionDescription) { r.delivered <- o },
		func(error) { r.failures.Add(1) },
	)
	r.wg.Go(r.n.run)
	t.Cleanup(func() { r.n.close(); r.wg.Wait() })
	return r
}

func (r *negRig) expectOffer(t *testing.T) webrtc.SessionDescription {
	t.Helper()
	select {
	case o := <-r.delivered:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no offer delivered")
		return webrtc.SessionDescription{}
	}
}

func (r *negRig) expectNoOffer(t *testing.T) {
	t.Helper()
	select {
	case o := <-r.delivered:
		t.Fatalf("unexpected offer %q", o.SDP)
	case <-time.After(5 * negotiationDebounce):
	}
}

func TestNegotiatorBatchesABurst(t *testing.T) {
	r := newNegRig(t)
	for range 5 {
		r.n.schedule()
	}
	if o := r.expectOffer(t); o.SDP != "1" {
		t.Fatalf("offer %q", o.SDP)
	}
	r.expectNoOffer(t)
}

func TestNegotiatorHoldsChangesUntilTheAnswer(t *testing.T) {
	r := newNegRig(t)
	r.n.schedule()
	r.expectOffer(t)
	for range 3 {
		r.n.schedule()
	}
	r.expectNoOffer(t) // the first offer is not answered yet

	applied := 0
	bad := errors.New("bad answer")
	if err := r.n.answered(func() error { applied++; return bad }); !errors.Is(err, bad) {
		t.Fatalf("answered = %v, want the apply error", err)
	}
	r.expectNoOffer(t) // a failed answer keeps the offer outstanding
	if err := r.n.answered(func() error { applied++; return nil }); err != nil {
		t.Fatal(err)
	}
	if o := r.expectOffer(t); o.SDP != "2" {
		t.Fatalf("follow-up offer %q, want the second", o.SDP)
	}
	r.expectNoOffer(t)
	if applied != 2 {
		t.Fatalf("apply called %d times", applied)
	}
}

func TestNegotiatorRejectsAnUnexpectedAnswer(t *testing.T) {
	r := newNegRig(t)
	called := false
	if err := r.n.answered(func() error { called = true; return nil }); !errors.Is(err, errNoOfferOutstanding) {
		t.Fatalf("answered = %v", err)
	}
	if called {
		t.Fatal("an answer without an offer was applied")
	}
}

func TestNegotiatorRecoversFromAFailedOffer(t *testing.T) {
	r := newNegRig(t)
	r.failOffer.Store(true)
	r.n.schedule()
	eventually(t, 5*time.Second, "failure reported", func() bool { return r.failures.Load() == 1 })
	r.failOffer.Store(false)
	r.n.schedule()
	r.expectOffer(t)
}

// TestNegotiatorRestartAndResend: an ICE restart asked for while an offer
// is out goes into the offer after the answer; a resend delivers the
// outstanding offer again; neither happens without an offer out.
func TestNegotiatorRestartAndResend(t *testing.T) {
	made := 0
	offers := make(chan string, 16)
	n := newNegotiator(func(restart bool) (webrtc.SessionDescription, error) {
		made++
		return webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: fmt.Sprintf("offer %d restart=%v", made, restart)}, nil
	}, func(o webrtc.SessionDescription) { offers <- o.SDP }, func(err error) { t.Error(err) })
	done := make(chan struct{})
	go func() { n.run(); close(done) }()
	defer func() { n.close(); <-done }()

	next := func() string {
		t.Helper()
		select {
		case o := <-offers:
			return o
		case <-time.After(2 * time.Second):
			t.Fatal("no offer delivered")
			return ""
		}
	}
	none := func() {
		t.Helper()
		select {
		case o := <-offers:
			t.Fatalf("unexpected offer %q", o)
		case <-time.After(3 * negotiationDebounce):
		}
	}
	answer := func() {
		t.Helper()
		if err := n.answered(func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}

	n.resendOffer() // nothing is out yet
	none()
	n.schedule()
	var got []string
	got = append(got, next())
	n.restartICE() // waits for the answer
	none()
	n.resendOffer()
	got = append(got, next())
	answer()
	got = append(got, next())
	answer()
	n.resendOffer()
	none()
	want := []string{"offer 1 restart=false", "offer 1 restart=false", "offer 2 restart=true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("offers %q, want %q", got, want)
	}
}
