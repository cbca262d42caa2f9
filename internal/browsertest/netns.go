package browsertest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// isolatedEnv marks a test process that Main re-executed in its own
// network namespace.
const isolatedEnv = "PARLEY_BROWSERTEST_NETNS"

// Main runs the tests of a package in a network namespace of their own,
// which has only a loopback interface. Every package with browser tests
// calls it from TestMain:
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
// Why: Chromium gathers ICE candidates on every interface and checks them
// against the loopback candidates of its peer, so its peer learns the
// machine's other addresses as peer-reflexive candidates and sends to them.
// In a namespace of its own the test binary, its servers and its browsers
// see only 127.0.0.1 and ::1, and nothing can leave the machine.
//
// Main re-executes the test binary with the same arguments in a new
// network namespace (and a new user namespace when not root), brings the
// loopback interface up there and runs the tests; the outer process only
// waits and passes on its exit status and signals.
func Main(m *testing.M) {
	if os.Getenv(isolatedEnv) == "1" {
		if err := loopbackUp(); err != nil {
			fmt.Fprintf(os.Stderr, "browsertest: bringing up loopback in the test's network namespace: %v\n", err)
			os.Exit(1)
		}
		os.Exit(m.Run())
	}
	os.Exit(runIsolated())
}

// runIsolated runs this binary again in a new network namespace and returns
// its exit status.
func runIsolated() int {
	// Pdeathsig fires when the thread that started the child exits, so
	// that thread must live until the child is gone.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "browsertest: %v\n", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), isolatedEnv+"=1")
	attr := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if uid, gid := os.Geteuid(), os.Getegid(); uid != 0 {
		// Without root, a user namespace grants the right to make the
		// network namespace.
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}}
	}
	cmd.SysProcAttr = attr

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "browsertest: cannot run the tests in a network namespace of their own "+
			"(needs root, or unprivileged user namespaces): %v\n", err)
		return 1
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "browsertest: isolated test process: %v\n", err)
		return 1
	}
}

// loopbackUp sets the IFF_UP flag of "lo" (a new namespace starts with it
// down).
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// checkIsolated returns an error unless the process runs under Main, in a
// namespace whose only interface with addresses is loopback.
func checkIsolated() error {
	if os.Getenv(isolatedEnv) != "1" {
		return errors.New("browsertest: browser tests must run in a network namespace of their own: " +
			"add `func TestMain(m *testing.M) { browsertest.Main(m) }` to the package's tests")
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		if addrs, _ := ifc.Addrs(); len(addrs) > 0 {
			return fmt.Errorf("browsertest: interface %s with addresses %v in the test's network namespace; only loopback is allowed", ifc.Name, addrs)
		}
	}
	return nil
}
