package cascade_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nkeys"
	"go.uber.org/goleak"

	"github.com/parley-sfu/parley/cascade"
	"github.com/parley-sfu/parley/internal/natsembed"
	"github.com/parley-sfu/parley/internal/testutil"
)

// seedFile writes a new NKey user's seed and returns its path and public key.
func seedFile(t *testing.T, name string) (string, string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	path := filepath.Join(t.TempDir(), name+".nk")
	if err := os.WriteFile(path, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pub
}

// TestNATSAuthentication: nodes authenticate to NATS with an NKey from the
// config; a node with a key NATS does not know stays out of the cluster
// and runs alone.
func TestNATSAuthentication(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	good, pub := seedFile(t, "good")
	bad, _ := seedFile(t, "bad")
	nats := testutil.StartNATS(t, natsembed.WithNKeyUser(pub))
	start := func(id, seed string) node {
		return testutil.StartServer(t, testutil.WithNATS(nats.URL(), id),
			testutil.WithCascade(func(c *cascade.Config) { c.NKeySeedFile = seed }))
	}
	a, b, x := start("A", good), start("B", good), start("X", bad)
	for _, n := range []node{a, b} {
		testutil.Eventually(t, settle, n.Cascade().Connected, "node %s did not connect with its NKey", n.Cascade().ID())
	}
	join(t, a, "meeting", "alice")
	join(t, x, "meeting", "mallory")
	agree(t, []node{a, b}, "meeting", []string{"alice@A[]"})
	time.Sleep(time.Second)
	if x.Cascade().Connected() {
		t.Fatal("node X connected with an unknown NKey")
	}
	if got := roomState(x, "meeting"); len(got) != 1 || got[0] != "mallory@X[]" {
		t.Fatalf("X sees %q, want only its own participant", got)
	}
}
