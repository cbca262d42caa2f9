// Package browsertest drives headless Chromium from go test with chromedp,
// for Parley's browser end-to-end tests.
//
// A test starts one browser and opens a tab per participant; each tab lives
// in its own browser context, so it has its own cookies and storage:
//
//	b := browsertest.Start(t)
//	alice := b.NewPage("alice")
//	alice.Navigate(srv.URL + "/demo?name=Alice")
//	alice.WaitJS(`window.parleyDebug?.state === "joined"`, 20*time.Second)
//	browsertest.WaitFor(t, 20*time.Second, "alice decodes video", func() error {
//		return alice.Stats().RequireVideoFrames(30)
//	})
//
// The browser uses a fake camera and microphone and accepts media
// permissions without a prompt; [DenyPermissions] takes one back for a page.
// Chromium is Debian's /usr/bin/chromium or $CHROMIUM. When it is missing,
// the test fails (it never skips): `make test` installs it.
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
