package loadtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// planBots lists the bots of a run in join order: the publishers of every
// room first (round robin over the rooms, so that every room has media
// early), then the receive-only subscribers.
func planBots(cfg *Config, prefix string) []botSpec {
	pubs := cfg.publishers()
	tiles := len(cfg.Layout.Tiles())
	// expected: what participant i of a room receives from the others.
	expected := func(video, audio bool) int {
		v, a := cfg.VideoPublishers, cfg.AudioPublishers
		if video {
			v--
		}
		if audio {
			a--
		}
		return min(v, tiles) + a
	}
	var specs []botSpec
	for i := range pubs {
		for room := range cfg.Rooms {
			video, audio := i < cfg.VideoPublishers, i < cfg.AudioPublishers
			specs = append(specs, botSpec{
				Room: room, RoomName: roomName(prefix, room), Identity: fmt.Sprintf("pub-%d", i),
				URL: cfg.botURL(true), Video: video, Audio: audio, Expected: expected(video, audio),
			})
		}
	}
	for i := range cfg.Subscribers {
		for room := range cfg.Rooms {
			specs = append(specs, botSpec{
				Room: room, RoomName: roomName(prefix, room), Identity: fmt.Sprintf("sub-%d", i),
				URL: cfg.botURL(false), Expected: expected(false, false),
			})
		}
	}
	return specs
}

func roomName(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }

// runPrefix returns the configured room prefix, or a fresh one so that two
// runs against one server never share rooms.
func runPrefix(cfg *Config) string {
	if cfg.RoomPrefix != "" {
		return cfg.RoomPrefix
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "loadtest-" + hex.EncodeToString(b[:])
}
