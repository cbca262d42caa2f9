package browsertest

import "errors"

var (
	// ErrNoChromium is returned when no Chromium binary can be found.
	ErrNoChromium = errors.New("browsertest: chromium not found")
	// ErrNoPeerConnections is returned by stats when the page exposes no
	// window.parleyDebug.pcs.
	ErrNoPeerConnections = errors.New("browsertest: page exposes no window.parleyDebug.pcs")

	errTimeout = errors.New("browsertest: timed out")
)
