package conformance

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Every namespace and trace instance the suite creates is named
// resourcePrefix, a kind, "-", the creating process's pid, and optionally
// "-" and more (see probeEnv and runScenario), so that what a process
// left behind can be found by name.
const resourcePrefix = "fsmgen-"

// resourceName is the name of a namespace or trace instance of kind
// ("conf", "probe") that this process creates, with suffix after its pid
// unless suffix is "".
func resourceName(kind, suffix string) string {
	name := fmt.Sprintf("%s%s-%d", resourcePrefix, kind, os.Getpid())
	if suffix != "" {
		name += "-" + suffix
	}
	return name
}

// resourcePid returns the pid in a name resourceName made, or false.
func resourcePid(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, resourcePrefix)
	if !ok {
		return 0, false
	}
	f := strings.SplitN(rest, "-", 3) // kind, pid, suffix
	if len(f) < 2 || (f[0] != "conf" && f[0] != "probe") {
		return 0, false
	}
	pid, err := strconv.Atoi(f[1])
	return pid, err == nil && pid > 0
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// removeLeftovers deletes the network namespaces (with their nft tables)
// and tracefs instances of the suite whose creating process owned(pid)
// says to remove, and returns what it removed. Without root, or without
// namespaces or tracefs, there is nothing to remove.
func removeLeftovers(owned func(pid int) bool) (removed []string, err error) {
	netns, _ := os.ReadDir("/run/netns")
	for _, e := range netns {
		if pid, ok := resourcePid(e.Name()); ok && owned(pid) {
			if out, e2 := exec.Command("ip", "netns", "del", e.Name()).CombinedOutput(); e2 != nil {
				err = errors.Join(err, fmt.Errorf("ip netns del %s: %v: %s", e.Name(), e2, strings.TrimSpace(string(out))))
				continue
			}
			removed = append(removed, "netns "+e.Name())
		}
	}
	instances, _ := os.ReadDir(filepath.Join(tracefsRoot, "instances"))
	for _, e := range instances {
		if pid, ok := resourcePid(e.Name()); ok && owned(pid) {
			if e2 := removeInstance(filepath.Join(tracefsRoot, "instances", e.Name())); e2 != nil {
				err = errors.Join(err, e2)
				continue
			}
			removed = append(removed, "trace instance "+e.Name())
		}
	}
	return removed, err
}

// TestMain removes what earlier runs that died without cleaning up (killed,
// or stopped by -timeout) left behind, and on an interrupt or termination
// removes this run's namespaces and trace instances before exiting, which
// the tests' own cleanups, never run then, would have done.
func TestMain(m *testing.M) {
	self := os.Getpid()
	if os.Geteuid() == 0 {
		if removed, err := removeLeftovers(func(pid int) bool { return pid != self && !alive(pid) }); len(removed) > 0 || err != nil {
			fmt.Fprintf(os.Stderr, "conformance: removed what earlier runs left: %s %v\n", strings.Join(removed, ", "), errOrNil(err))
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		removed, err := removeLeftovers(func(pid int) bool { return pid == self })
		tracefsMount.Lock()
		if tracefsMount.mounted {
			err = errors.Join(err, unix.Unmount(tracefsRoot, unix.MNT_DETACH))
		}
		fmt.Fprintf(os.Stderr, "conformance: %v: removed %s %v\n", s, strings.Join(removed, ", "), errOrNil(err))
		os.Exit(1)
	}()
	os.Exit(m.Run())
}

func errOrNil(err error) string {
	if err == nil {
		return ""
	}
	return "(" + err.Error() + ")"
}

// TestInterruptRemovesNamespaces interrupts a run of the suite in the
// middle of a scenario: its namespace (and with it the scenario's nft
// rules) and its trace instance must be gone when it has exited.
func TestInterruptRemovesNamespaces(t *testing.T) {
	requireEnv(t)
	if os.Getenv("FSMGEN_CONFORMANCE_CHILD") != "" {
		t.Skip("the child run of this test")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestLinux$/^syn_retries_exhausted$", "-test.count", "1")
	cmd.Env = append(os.Environ(), "FSMGEN_CONFORMANCE_CHILD=1")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	mine := func(pid int) bool { return pid == cmd.Process.Pid }
	owned := func() []string {
		var names []string
		for _, dir := range []string{"/run/netns", filepath.Join(tracefsRoot, "instances")} {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if pid, ok := resourcePid(e.Name()); ok && mine(pid) {
					names = append(names, filepath.Join(dir, e.Name()))
				}
			}
		}
		return names
	}
	// The scenario waits seconds for SYN_SENT to give up: interrupt it once
	// its namespace and trace instance exist.
	scenario := func() (n int) {
		for _, name := range owned() {
			if strings.HasPrefix(filepath.Base(name), resourcePrefix+"conf-") {
				n++
			}
		}
		return n
	}
	for i := 0; i < 250 && scenario() < 2; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if during := owned(); scenario() < 2 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child run never created its namespace and trace instance (%v):\n%s", during, out.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if left := owned(); len(left) > 0 {
		removeLeftovers(mine)
		t.Fatalf("interrupted, the run (%v) left %v:\n%s", err, left, out.String())
	}
	if err == nil {
		t.Fatalf("the interrupted run exited 0:\n%s", out.String())
	}
}

// TestLeftoversOfDeadRuns: a namespace and a trace instance named for a
// process that no longer exists are removed; those of live processes are
// not.
func TestLeftoversOfDeadRuns(t *testing.T) {
	requireEnv(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := dead.Process.Pid
	if alive(pid) {
		t.Skipf("pid %d was reused at once", pid)
	}
	name := fmt.Sprintf("%sconf-%d-leftover", resourcePrefix, pid)
	n, err := NewNetns(name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTracer(name)
	if err != nil {
		n.Close()
		t.Fatal(err)
	}
	live := resourceName("conf", "live")
	ln, err := NewNetns(live)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, ln)
	self := os.Getpid()
	removed, err := removeLeftovers(func(p int) bool { return p != self && !alive(p) })
	if err != nil {
		t.Error(err)
	}
	if len(removed) != 2 || !strings.Contains(strings.Join(removed, " "), name) {
		t.Errorf("removed %v, want the namespace and trace instance %s", removed, name)
	}
	for _, path := range []string{"/run/netns/" + name, filepath.Join(tracefsRoot, "instances", name)} {
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s is still there", path)
		}
	}
	if _, err := os.Stat("/run/netns/" + live); err != nil {
		t.Errorf("the namespace of a live process was removed: %v", err)
	}
	// tr's instance is gone already; Close only releases the tracefs count.
	tr.Close()
}
