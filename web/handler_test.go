package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerRoutes(t *testing.T) {
	h := Handler(Config{})
	tests := []struct {
		method, path string
		status       int
		contentType  string // prefix
		contains     string
	}{
		{"GET", "/", 200, "text/html", `<form id="join-form"`},
		{"HEAD", "/", 200, "text/html", ""},
		{"GET", "/demo", 200, "text/html", `data-room="demo"`},
		{"GET", "/Team.Standup_2-b", 200, "text/html", `data-room="Team.Standup_2-b"`},
		{"GET", "/static/js/room.js", 200, "text/javascript", "autojoin"},
		{"GET", "/static/js/session.js", 200, "text/javascript", "SignalClient"},
		{"GET", "/static/js/signal.js", 200, "text/javascript", "export class SignalClient"},
		{"GET", "/static/js/home.js", 200, "text/javascript", "join-form"},
		{"GET", "/static/css/meeting.css", 200, "text/css", ".tile"},
		{"GET", "/static/fonts/inter-latin.woff2", 200, "font/woff2", ""},
		{"GET", "/static/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/static/js/", 404, "text/plain", ""},
		{"GET", "/static/", 404, "text/plain", ""},
		{"GET", "/static/nope.js", 404, "text/plain", ""},
		{"GET", "/static", 404, "text/plain", ""},
		{"GET", "/demo/extra", 404, "text/plain", ""},
		{"GET", "/signal", 404, "text/plain", ""},
		{"GET", "/api", 404, "text/plain", ""},
		{"GET", "/api/guest-token", 404, "text/plain", ""},
		{"GET", "/healthz", 404, "text/plain", ""},
		{"GET", "/metrics", 404, "text/plain", ""},
		{"GET", "/favicon.ico", 404, "text/plain", ""},
		{"GET", "/.hidden", 404, "text/plain", ""},
		{"GET", "/bad%20name", 404, "text/plain", ""},
		{"GET", "/" + strings.Repeat("a", 129), 404, "text/plain", ""},
		{"GET", "/" + strings.Repeat("a", 128), 200, "text/html", ""},
		{"POST", "/demo", 405, "text/plain", ""},
		{"DELETE", "/static/js/room.js", 405, "text/plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := get(t, h, tt.method, tt.path, nil)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %.200q)", res.StatusCode, tt.status, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %s...", ct, tt.contentType)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("body lacks %q:\n%.500s", tt.contains, body)
			}
			if tt.status == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", res.Header.Get("Allow"))
			}
		})
	}
}

func TestPageHeaders(t *testing.T) {
	h := Handler(Config{})
	for _, path := range []string{"/", "/demo"} {
		res := get(t, h, "GET", path, nil)
		for k, want := range pageSecurityHeaders() {
			if got := res.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
}

func TestStaticETag(t *testing.T) {
	h := Handler(Config{})
	res := get(t, h, "GET", "/static/js/room.js", nil)
	etag := res.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{16}"$`).MatchString(etag) {
		t.Fatalf("ETag = %q", etag)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", cc)
	}
	res = get(t, h, "GET", "/static/js/room.js", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: status %d, want 304", res.StatusCode)
	}
	other := get(t, h, "GET", "/static/js/signal.js", nil).Header.Get("ETag")
	if other == etag {
		t.Errorf("two files share the ETag %s", etag)
	}
}

func TestConfig(t *testing.T) {
	if got, want := (Config{}).withDefaults(), DefaultConfig(); got != want {
		t.Errorf("zero Config with defaults = %+v, want %+v", got, want)
	}
	h := Handler(Config{Title: "Acme <Meet>", SignalPath: "/rtc/signal", GuestTokenPath: "/rtc/guest"})
	body, _ := io.ReadAll(get(t, h, "GET", "/demo", nil).Body)
	for _, want := range []string{
		`data-signal-path="/rtc/signal"`,
		`data-guest-token-path="/rtc/guest"`,
		`<title>demo · Acme &lt;Meet&gt;</title>`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("room page lacks %q:\n%s", want, body)
		}
	}
}

// TestAssetsResolve checks that every asset a page references, and every
// module a script imports, is served.
func TestAssetsResolve(t *testing.T) {
	h := Handler(Config{})
	ref := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	cssURL := regexp.MustCompile(`url\("\.\./([^"]+)"\)`)
	imp := regexp.MustCompile(`(?m)^import .* from "\./([^"]+)";`)
	seen := map[string]bool{}
	var check func(path string)
	check = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		res := get(t, h, "GET", path, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d", path, res.StatusCode)
			return
		}
		for _, m := range ref.FindAllStringSubmatch(string(body), -1) {
			check(m[1])
		}
		if strings.HasSuffix(path, ".css") {
			for _, m := range cssURL.FindAllStringSubmatch(string(body), -1) {
				check("/static/" + m[1])
			}
		}
		if strings.HasSuffix(path, ".js") {
			dir := path[:strings.LastIndex(path, "/")+1]
			for _, m := range imp.FindAllStringSubmatch(string(body), -1) {
				check(dir + m[1])
			}
		}
	}
	check("/")
	check("/demo")
	for _, want := range []string{"/static/js/room.js", "/static/js/signal.js", "/static/js/home.js", "/static/css/base.css", "/static/fonts/inter-latin.woff2", "/static/favicon.svg"} {
		if !seen[want] {
			t.Errorf("%s is not referenced by any page", want)
		}
	}
}

func TestRoomFromPath(t *testing.T) {
	tests := map[string]string{
		"/demo": "demo", "/a.b-c_d": "a.b-c_d", "/": "", "/x/y": "", "/API": "", "/Static": "",
		"/..": "", "/a b": "", "/é": "",
	}
	for path, want := range tests {
		got, ok := roomFromPath(path)
		if got != want || ok != (want != "") {
			t.Errorf("roomFromPath(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
}
