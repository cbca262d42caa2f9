package auth

import (
	"errors"
	"testing"
)

func TestClaimsChecks(t *testing.T) {
	member := Claims{Identity: "a", Room: "standup", Grants: Grants{
		Join: true, Publish: true, Subscribe: true, PublishData: true,
		PublishSources: []Source{SourceCamera, SourceMicrophone},
	}}
	viewer := Claims{Identity: "v", Room: "standup", Grants: Grants{Join: true, Subscribe: true}}
	roomless := Claims{Identity: "r", Grants: Grants{Join: true}}
	admin := Claims{Identity: "adm", Grants: Grants{RoomAdmin: true, RoomCreate: true}}
	roomAdmin := Claims{Identity: "ra", Room: "standup", Grants: Grants{RoomAdmin: true}}
	publisher := Claims{Identity: "p", Room: "standup", Grants: Grants{Join: true, Publish: true}}

	tests := []struct {
		name  string
		check func() error
		err   error // nil: allowed
	}{
		{"member joins its room", func() error { return member.CanJoin("standup") }, nil},
		{"member joins another room", func() error { return member.CanJoin("other") }, ErrWrongRoom},
		{"member joins the empty room", func() error { return member.CanJoin("") }, ErrWrongRoom},
		{"roomless token joins nothing", func() error { return roomless.CanJoin("standup") }, ErrWrongRoom},
		{"admin without join grant", func() error { return admin.CanJoin("standup") }, ErrNoGrant},
		{"member publishes camera", func() error { return member.CanPublish(SourceCamera) }, nil},
		{"member publishes unchecked source", func() error { return member.CanPublish("") }, nil},
		{"member shares screen", func() error { return member.CanPublish(SourceScreenShare) }, ErrSourceNotAllowed},
		{"publisher with no source list", func() error { return publisher.CanPublish(SourceScreenShareAudio) }, nil},
		{"viewer publishes", func() error { return viewer.CanPublish(SourceCamera) }, ErrNoGrant},
		{"viewer subscribes", viewer.CanSubscribe, nil},
		{"publisher subscribes", publisher.CanSubscribe, ErrNoGrant},
		{"member sends data", member.CanPublishData, nil},
		{"viewer sends data", viewer.CanPublishData, ErrNoGrant},
		{"member administers", func() error { return member.CanAdmin("standup") }, ErrNoGrant},
		{"roomless admin administers any room", func() error { return admin.CanAdmin("anything") }, nil},
		{"room admin administers its room", func() error { return roomAdmin.CanAdmin("standup") }, nil},
		{"room admin administers another room", func() error { return roomAdmin.CanAdmin("other") }, ErrWrongRoom},
		{"admin creates", admin.CanCreate, nil},
		{"room admin creates", roomAdmin.CanCreate, ErrNoGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if tt.err == nil {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.err) || !errors.Is(err, ErrPermissionDenied) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestSourceValid(t *testing.T) {
	for _, s := range []Source{SourceCamera, SourceMicrophone, SourceScreenShare, SourceScreenShareAudio} {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	for _, s := range []Source{"", "Camera", "screen_share", "screenshare"} {
		if s.Valid() {
			t.Errorf("%q valid", s)
		}
	}
}
