package sfu

import (
	"reflect"
	"testing"
)

func TestNACKGenerator(t *testing.T) {
	type step struct {
		seq  uint16
		at   int64 // ms
		want []uint16
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order: nothing to ask", []step{{seq: 1, at: 0}, {seq: 2, at: 10}, {seq: 3, at: 20}}},
		{"a gap is asked for at once", []step{{seq: 1, at: 0}, {seq: 4, at: 10, want: []uint16{2, 3}}}},
		{"asked again after 100 ms, not before", []step{
			{seq: 1, at: 0}, {seq: 3, at: 10, want: []uint16{2}}, {seq: 4, at: 50}, {seq: 5, at: 111, want: []uint16{2}},
		}},
		{"a repaired packet is not asked for again", []step{
			{seq: 1, at: 0}, {seq: 3, at: 10, want: []uint16{2}}, {seq: 2, at: 40}, {seq: 4, at: 200},
		}},
		{"at most one message per 5 ms", []step{
			{seq: 1, at: 0}, {seq: 3, at: 10, want: []uint16{2}}, {seq: 5, at: 12}, {seq: 6, at: 16, want: []uint16{4}},
		}},
		{"sequence numbers wrap", []step{{seq: 65534, at: 0}, {seq: 1, at: 10, want: []uint16{65535, 0}}}},
		{"a jump is a restart, not loss", []step{{seq: 1, at: 0}, {seq: 500, at: 10}, {seq: 501, at: 20}}},
		{"given up after eight tries", []step{
			{seq: 1, at: 0}, {seq: 3, at: 0, want: []uint16{2}},
			{seq: 4, at: 100, want: []uint16{2}}, {seq: 5, at: 200, want: []uint16{2}}, {seq: 6, at: 300, want: []uint16{2}},
			{seq: 7, at: 400, want: []uint16{2}}, {seq: 8, at: 500, want: []uint16{2}}, {seq: 9, at: 600, want: []uint16{2}},
			{seq: 10, at: 700, want: []uint16{2}}, {seq: 11, at: 800},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newNACKGenerator()
			for i, s := range tc.steps {
				got := g.received(s.seq, s.at*1e6)
				if len(got) == 0 {
					got = nil
				}
				if !reflect.DeepEqual(got, s.want) {
					t.Fatalf("step %d (seq %d at %d ms): asked for %v, want %v", i, s.seq, s.at, got, s.want)
				}
			}
		})
	}
}
