package loadtest

import (
	"reflect"
	"testing"
)

func TestPlanBots(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rooms, cfg.VideoPublishers, cfg.AudioPublishers, cfg.Subscribers = 2, 2, 1, 1
	got := planBots(&cfg, "x")
	want := []botSpec{
		{Room: 0, RoomName: "x-0", Identity: "pub-0", Video: true, Audio: true, Expected: 1},
		{Room: 1, RoomName: "x-1", Identity: "pub-0", Video: true, Audio: true, Expected: 1},
		{Room: 0, RoomName: "x-0", Identity: "pub-1", Video: true, Expected: 2},
		{Room: 1, RoomName: "x-1", Identity: "pub-1", Video: true, Expected: 2},
		{Room: 0, RoomName: "x-0", Identity: "sub-0", Expected: 3},
		{Room: 1, RoomName: "x-1", Identity: "sub-0", Expected: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("planBots:\n got %+v\nwant %+v", got, want)
	}

	// The speaker layout shows four videos at most.
	cfg.Rooms, cfg.VideoPublishers, cfg.AudioPublishers, cfg.Subscribers = 1, 6, 0, 1
	specs := planBots(&cfg, "x")
	if sub := specs[len(specs)-1]; sub.Expected != 4 {
		t.Errorf("speaker layout subscriber expects %d tracks, want 4", sub.Expected)
	}
}
