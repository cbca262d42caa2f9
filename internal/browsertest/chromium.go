package browsertest

import (
	"fmt"
	"os"
	"os/exec"
)

// DefaultChromium is Debian's Chromium launcher.
const DefaultChromium = "/usr/bin/chromium"

// RequireBrowserEnv is set to 1 by `make test`. Browser tests fail without
// Chromium whether it is set or not; it only says in the failure message
// that CI requires the browser.
const RequireBrowserEnv = "PARLEY_REQUIRE_BROWSER"

// baseFlags are the Chromium switches every test browser starts with.
//
// The background-networking flags keep Chromium from calling home: this
// machine refuses connections to the outside, and tests must talk only to
// loopback. The WebRTC flags give a fake camera and microphone without a
// prompt, host candidates on loopback, and raw IPs instead of mDNS names so
// that a pion server on 127.0.0.1 can reach the browser.
func baseFlags() []flag {
	return []flag{
		{"headless", "new"},
		{"no-sandbox", true},
		{"disable-gpu", true},
		{"disable-quic", true},
		{"no-first-run", true},
		{"no-default-browser-check", true},
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-sync", true},
		{"disable-default-apps", true},
		{"disable-extensions", true},
		{"disable-dev-shm-usage", true},
		{"use-fake-device-for-media-stream", true},
		{"use-fake-ui-for-media-stream", true},
		{"allow-loopback-in-peer-connection", true},
		{"disable-features", "WebRtcHideLocalIpsWithMdns"},
		{"autoplay-policy", "no-user-gesture-required"},
		// Hidden or occluded tabs must keep rendering and decoding video.
		{"disable-background-timer-throttling", true},
		{"disable-backgrounding-occluded-windows", true},
		{"disable-renderer-backgrounding", true},
	}
}

// flag is one command-line switch; a bool value true is "--name", false
// removes it, a string value is "--name=value".
type flag struct {
	name  string
	value any
}

// locateChromium returns the browser binary: $CHROMIUM when set (it must
// exist), else /usr/bin/chromium, else chromium on PATH.
func locateChromium(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv("CHROMIUM"); p != "" {
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("%w: $CHROMIUM=%q is not an executable file%s", ErrNoChromium, p, missingHint(getenv))
	}
	if isExecutable(DefaultChromium) {
		return DefaultChromium, nil
	}
	if p, err := lookPath("chromium"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w (looked for $CHROMIUM, %s and chromium on PATH)%s", ErrNoChromium, DefaultChromium, missingHint(getenv))
}

func missingHint(getenv func(string) string) string {
	hint := ": run `make test` (its deps step installs Debian's chromium), or `make deps`"
	if getenv(RequireBrowserEnv) == "1" {
		hint += "; " + RequireBrowserEnv + "=1: browser tests are required and never skip"
	}
	return hint
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// chromiumPath is locateChromium with the process environment.
func chromiumPath() (string, error) {
	return locateChromium(os.Getenv, exec.LookPath)
}
