package room

import "crypto/rand"

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns prefix followed by 12 random base62 characters.
func newID(prefix string) string {
	var raw [12]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+)
	out := make([]byte, len(prefix)+len(raw))
	copy(out, prefix)
	for i, b := range raw {
		out[len(prefix)+i] = idAlphabet[int(b)%len(idAlphabet)]
	}
	return string(out)
}
