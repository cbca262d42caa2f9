package loadtest

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// MicroBench is one result line of `go test -bench` output.
type MicroBench struct {
	Name       string             `json:"name"`
	Iterations int64              `json:"iterations"`
	NsPerOp    float64            `json:"ns_per_op"`
	AllocsOp   float64            `json:"allocs_per_op"`
	BytesOp    float64            `json:"bytes_per_op"`
	Metrics    map[string]float64 `json:"metrics,omitempty"` // custom units (b.ReportMetric)
}

// PerPacketNs is the benchmark's cost per forwarded packet per
// subscriber: a custom "ns/..." metric when the benchmark reports one
// (e.g. ns/pkt), else ns/op.
func (b MicroBench) PerPacketNs() float64 {
	for unit, v := range b.Metrics {
		if strings.HasPrefix(unit, "ns/") {
			return v
		}
	}
	return b.NsPerOp
}

// IsFloor reports the floor benchmark: SRTP encryption and one UDP send,
// the least any forwarding can cost.
func (b MicroBench) IsFloor() bool { return strings.Contains(strings.ToLower(b.Name), "floor") }

// parseGoBench reads `go test -bench -benchmem` output; lines that are not
// results are skipped. The -N GOMAXPROCS suffix is kept in the name.
func parseGoBench(r io.Reader) ([]MicroBench, error) {
	var out []MicroBench
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		b := MicroBench{Name: strings.TrimPrefix(f[0], "Benchmark"), Iterations: n}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			switch unit := f[i+1]; unit {
			case "ns/op":
				b.NsPerOp = v
			case "B/op":
				b.BytesOp = v
			case "allocs/op":
				b.AllocsOp = v
			default:
				if b.Metrics == nil {
					b.Metrics = map[string]float64{}
				}
				b.Metrics[unit] = v
			}
		}
		out = append(out, b)
	}
	return out, sc.Err()
}
