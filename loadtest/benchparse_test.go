package loadtest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/parley-sfu/parley/sfu
BenchmarkForward/subscribers=10-2   	  100000	     12000 ns/op	      1200 ns/pkt	       0 B/op	       0 allocs/op
BenchmarkFloorSRTPUDP-2             	 1000000	      2400 ns/op	      16 B/op	       1 allocs/op
BenchmarkBroken-2 	 ---  FAIL
PASS
ok  	github.com/parley-sfu/parley/sfu	3.2s
`
	got, err := parseGoBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []MicroBench{
		{Name: "Forward/subscribers=10-2", Iterations: 100000, NsPerOp: 12000, Metrics: map[string]float64{"ns/pkt": 1200}},
		{Name: "FloorSRTPUDP-2", Iterations: 1000000, NsPerOp: 2400, BytesOp: 16, AllocsOp: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got[0].PerPacketNs() != 1200 || got[1].PerPacketNs() != 2400 || got[0].IsFloor() || !got[1].IsFloor() {
		t.Errorf("per packet %v %v, floor %v %v", got[0].PerPacketNs(), got[1].PerPacketNs(), got[0].IsFloor(), got[1].IsFloor())
	}
}
