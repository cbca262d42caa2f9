// Package browsertest drives headless Chromium from go test with chromedp,
// for Parley's browser end-to-end tests.
//
// A package with browser tests runs them in a network namespace of its own
// (see [Main]), then a test starts one browser and opens a tab per
// participant; each tab lives in its own browser context, so it has its own
// cookies and storage:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
//	func TestCall(t *testing.T) {
//		b := browsertest.Start(t)
//		alice := b.NewPage("alice")
//		alice.Navigate(srv.URL + "/demo?name=Alice")
//		alice.WaitJS(`window.parleyDebug.state === "joined"`, 20*time.Second)
//		browsertest.WaitFor(t, 20*time.Second, "alice decodes video", func() error {
//			if n := alice.Stats().FramesDecoded(); n < 30 {
//				return fmt.Errorf("framesDecoded %d", n)
//			}
//			return nil
//		})
//	}
//
// Browsers take turns across test processes: [Start] waits until no other
// test's browser runs on the machine (a lock file in the temporary
// directory), so that packages run side by side by `go test ./...` do not
// starve each other's media.
//
// The browser uses a fake camera, microphone and screen, and grants media
// permissions without a prompt. A browser started with
// [WithPerPagePermissions] grants them per page instead, so that
// [DenyPermissions] can take one away. Chromium is Debian's
// /usr/bin/chromium or $CHROMIUM. When it is missing, the test fails (it
// never skips): `make test` installs it.
//
// # Page convention
//
// Pages expose their RTCPeerConnections as an object of named connections
// at window.parleyDebug.pcs (the Parley web app uses "publisher" and
// "subscriber"); [Page.Stats] summarises getStats() of each of them.
//
// # Artefacts
//
// When a test that started a browser fails, the harness saves a PNG
// screenshot and the console log (console calls, uncaught exceptions and
// browser log entries, captured from the moment the tab opened) of every
// open tab, and the browser's own output, into test-artifacts/<TestName>/ at
// the repository root, and logs the paths.
package browsertest
