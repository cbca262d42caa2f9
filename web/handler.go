package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static pages
var files embed.FS

// pageSecurityHeaders are sent with every HTML page. Tokens can travel in
// the query string (?token=), so no referrer leaves the page; scripts and
// styles come only from this origin (no inline code), and the WebSocket
// only to it.
func pageSecurityHeaders() map[string]string {
	return map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
			"img-src 'self' data:; media-src 'self' blob: mediastream:; connect-src 'self'; " +
			"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
		"Permissions-Policy":     "camera=(self), microphone=(self), display-capture=(self)",
		"Cache-Control":          "no-store",
	}
}

// pageData is what the page templates see.
type pageData struct {
	Title          string
	Room           string
	SignalPath     string
	GuestTokenPath string
}

type handler struct {
	cfg    Config
	home   *template.Template
	room   *template.Template
	static http.Handler
	etags  map[string]string // static path ("js/room.js") -> ETag
}

// Handler serves the web app: GET / (home), GET /static/... (embedded
// assets) and GET /<room> (the room page). Mount it at "/" after the
// server's own routes (/signal, /api/, /healthz, /metrics); it answers 404
// for those names anyway.
func Handler(cfg Config) http.Handler {
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return &handler{
		cfg:    cfg.withDefaults(),
		home:   template.Must(template.ParseFS(files, "pages/home.html")),
		room:   template.Must(template.ParseFS(files, "pages/room.html")),
		static: http.StripPrefix("/static/", http.FileServerFS(static)),
		etags:  etags(static),
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	path := r.URL.Path
	switch {
	case path == "/":
		h.page(w, h.home, "")
	case strings.HasPrefix(path, "/static/"):
		h.serveStatic(w, r, strings.TrimPrefix(path, "/static/"))
	default:
		if room, ok := roomFromPath(path); ok {
			h.page(w, h.room, room)
			return
		}
		http.NotFound(w, r)
	}
}

func (h *handler) page(w http.ResponseWriter, tmpl *template.Template, room string) {
	var buf bytes.Buffer
	err := tmpl.Execute(&buf, pageData{
		Title:          h.cfg.Title,
		Room:           room,
		SignalPath:     h.cfg.SignalPath,
		GuestTokenPath: h.cfg.GuestTokenPath,
	})
	if err != nil {
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	for k, v := range pageSecurityHeaders() {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// serveStatic serves an embedded asset with an ETag (embedded files have
// no modification time), so browsers revalidate cheaply. Directories are
// not listed.
func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	etag, ok := h.etags[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.static.ServeHTTP(w, r)
}

// etags hashes every file of fsys.
func etags(fsys fs.FS) map[string]string {
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[path] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return out
}
