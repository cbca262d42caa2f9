package loadtest

import (
	"errors"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// TestSendLoss: the dropper passes everything at 0, nothing at 1, and
// about its share in between; the configuration refuses shares outside
// [0, 0.5].
func TestSendLoss(t *testing.T) {
	const n = 4000
	for _, tc := range []struct {
		share    float64
		min, max int
	}{{0, n, n}, {0.1, n * 85 / 100, n * 95 / 100}, {1, 0, 0}} {
		written := 0
		w := (&sendLoss{share: tc.share}).BindLocalStream(nil, interceptor.RTPWriterFunc(
			func(*rtp.Header, []byte, interceptor.Attributes) (int, error) { written++; return 0, nil }))
		for range n {
			if _, err := w.Write(&rtp.Header{}, make([]byte, 10), nil); err != nil {
				t.Fatal(err)
			}
		}
		if written < tc.min || written > tc.max {
			t.Errorf("share %v: %d of %d written, want %d to %d", tc.share, written, n, tc.min, tc.max)
		}
	}
	for _, share := range []float64{-0.1, 0.6} {
		c := DefaultConfig()
		c.Subscribers, c.SendLoss = 1, share
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("send loss %v: %v, want ErrInvalidConfig", share, err)
		}
	}
}
