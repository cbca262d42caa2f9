package web

import "strings"

// maxRoomName matches the room manager's limit.
const maxRoomName = 128

// reservedNames are first path segments that are never rooms: paths the
// server or this handler serves, or that browsers and crawlers ask for.
func reservedNames() []string {
	return []string{"static", "signal", "api", "healthz", "metrics", "favicon.ico", "robots.txt"}
}

// roomFromPath returns the room a request path names ("/demo" -> "demo"),
// or false when the path is not a room page: more than one segment, a
// reserved name, or characters a room name cannot hold (letters, digits,
// '-', '_' and '.', as the room manager validates; a leading '.' is
// refused here so "/." and "/.." never reach it).
func roomFromPath(path string) (string, bool) {
	name, ok := strings.CutPrefix(path, "/")
	if !ok || name == "" || len(name) > maxRoomName || strings.HasPrefix(name, ".") {
		return "", false
	}
	for _, r := range reservedNames() {
		if strings.EqualFold(name, r) {
			return "", false
		}
	}
	for _, c := range name {
		ok := c == '-' || c == '_' || c == '.' ||
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return "", false
		}
	}
	return name, true
}
