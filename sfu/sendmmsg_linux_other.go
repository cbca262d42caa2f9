//go:build linux && !amd64 && !arm64

package sfu

// sysSendmmsg is 0 where Parley does not know sendmmsg's number: the media
// socket sends each datagram with its own system call.
const sysSendmmsg = 0
