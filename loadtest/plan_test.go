package loadtest

import (
	"reflect"
	"testing"
)

func TestPlanBots(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Rooms, cfg.VideoPublishers, cfg.AudioPublishers, cfg.Subscribers = 2, 2, 1, 1
	cfg.URL = "grpc://b:7890"
	got := planBots(&cfg, "x")
	want := []botSpec{
		{Room: 0, RoomName: "x-0", Identity: "pub-0", URL: "grpc://b:7890", Video: true, Audio: true, Expected: 1},
		{Room: 1, RoomName: "x-1", Identity: "pub-0", URL: "grpc://b:7890", Video: true, Audio: true, Expected: 1},
		{Room: 0, RoomName: "x-0", Identity: "pub-1", URL: "grpc://b:7890", Video: true, Expected: 2},
		{Room: 1, RoomName: "x-1", Identity: "pub-1", URL: "grpc://b:7890", Video: true, Expected: 2},
		{Room: 0, RoomName: "x-0", Identity: "sub-0", URL: "grpc://b:7890", Expected: 3},
		{Room: 1, RoomName: "x-1", Identity: "sub-0", URL: "grpc://b:7890", Expected: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("planBots:\n got %+v\nwant %+v", got, want)
	}

	// With a publisher URL the publishers join it, the subscribers URL.
	cfg.PublisherURL = "grpc://a:7890"
	for i, w := range want {
		if w.Video || w.Audio {
			want[i].URL = "grpc://a:7890"
		}
	}
	if got := planBots(&cfg, "x"); !reflect.DeepEqual(got, want) {
		t.Errorf("planBots with a publisher URL:\n got %+v\nwant %+v", got, want)
	}
	cfg.PublisherURL = ""

	// The speaker layout shows four videos at most.
	cfg.Rooms, cfg.VideoPublishers, cfg.AudioPublishers, cfg.Subscribers = 1, 6, 0, 1
	specs := planBots(&cfg, "x")
	if sub := specs[len(specs)-1]; sub.Expected != 4 {
		t.Errorf("speaker layout subscriber expects %d tracks, want 4", sub.Expected)
	}
}
