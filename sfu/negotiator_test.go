package sfu

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

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
