package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// procSample is a process's CPU time and memory at one moment.
type procSample struct {
	CPU time.Duration // user + system
	RSS uint64        // resident set, bytes
	HWM uint64        // peak resident set since the process started, bytes
}

// readProc reads /proc/PID/stat and /proc/PID/status.
func readProc(pid int) (procSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	cpu, err := parseProcStat(stat)
	if err != nil {
		return procSample{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	s := procSample{CPU: cpu}
	s.RSS, s.HWM = parseProcStatus(status)
	return s, nil
}

// parseProcStat returns utime + stime (fields 14 and 15, proc(5)). The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'.
func parseProcStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields", len(f)+2)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad utime %q or stime %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// parseProcStatus returns VmRSS and VmHWM in bytes.
func parseProcStatus(b []byte) (rss, hwm uint64) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// selfCPU is the CPU time this process (the bots) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// udpDrops sums the receive drops (the kernel found the socket's buffer
// full) of the UDP sockets process pid holds: its socket inodes from
// /proc/PID/fd, their counters from /proc/PID/net/udp and udp6.
func udpDrops(pid int) (uint64, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err != nil {
			continue
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var total uint64
	for _, table := range []string{"udp", "udp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		total += parseUDPDrops(b, inodes)
	}
	return total, nil
}

// parseUDPDrops sums the drops column of the /proc/net/udp lines whose
// inode is in inodes.
func parseUDPDrops(b []byte, inodes map[string]bool) uint64 {
	var total uint64
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 13 || !inodes[f[9]] {
			continue
		}
		if n, err := strconv.ParseUint(f[12], 10, 64); err == nil {
			total += n
		}
	}
	return total
}
