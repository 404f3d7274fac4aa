// Package conformance checks spec/tcp.yaml against the Linux TCP stack: each
// scenario drives real sockets in a network namespace of its own, records
// the kernel's TCP tracepoints in a private tracefs instance, turns the
// record into a trace (package trace) and validates it against the spec.
// Where Linux differs from the spec in a known way, the difference is one
// of the named Deviations, applied while the record is read; nothing is
// skipped silently. See docs/linux.md.
package conformance

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Netns is a network namespace created for one scenario, with only its
// loopback interface, up.
type Netns struct {
	Name string
}

// NewNetns creates the namespace named name and brings its loopback up.
// Close removes it.
func NewNetns(name string) (*Netns, error) {
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ip netns add %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	n := &Netns{Name: name}
	if out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		n.Close()
		return nil, fmt.Errorf("ip -n %s link set lo up: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	return n, nil
}

// Close deletes the namespace (and with it every socket and nft table in it).
func (n *Netns) Close() error {
	out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip netns del %s: %v: %s", n.Name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Do runs fn on an OS thread that has entered the namespace. The thread is
// never returned to the Go scheduler: it exits with the goroutine. Sockets
// fn creates belong to the namespace and may be used from any goroutine.
func (n *Netns) Do(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: a goroutine that exits locked takes its thread with it.
		fd, err := unix.Open(filepath.Join("/run/netns", n.Name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- fmt.Errorf("open netns %s: %w", n.Name, err)
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			done <- fmt.Errorf("setns %s: %w", n.Name, err)
			return
		}
		done <- fn()
	}()
	return <-done
}

// Sysctl sets a per-namespace sysctl such as net.ipv4.tcp_syn_retries.
func (n *Netns) Sysctl(key, value string) error {
	return n.Do(func() error {
		path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
		return os.WriteFile(path, []byte(value), 0)
	})
}

// Nft runs nft with a script inside the namespace.
func (n *Netns) Nft(script string) error {
	cmd := exec.Command("ip", "netns", "exec", n.Name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("nft in %s: %v: %s", n.Name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ProcTCP reads the namespace's /proc/net/tcp: every socket and timewait
// mini-socket with its local and remote address and Linux state.
func (n *Netns) ProcTCP() ([]ProcSock, error) {
	var socks []ProcSock
	err := n.Do(func() error {
		data, err := os.ReadFile("/proc/thread-self/net/tcp")
		if err != nil {
			return err
		}
		socks, err = parseProcTCP(string(data))
		return err
	})
	return socks, err
}

// ProcSock is one line of /proc/net/tcp.
type ProcSock struct {
	Local, Remote string // "127.77.1.2:4000"
	State         string // the kernel's name, "TCP_TIME_WAIT"
}

func parseProcTCP(data string) ([]ProcSock, error) {
	var out []ProcSock
	for i, line := range strings.Split(strings.TrimSpace(data), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 4 {
			continue
		}
		l, err1 := hexAddr(f[1])
		r, err2 := hexAddr(f[2])
		var st int
		_, err3 := fmt.Sscanf(f[3], "%X", &st)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("/proc/net/tcp line %d: %v", i+1, err)
		}
		if st < 1 || st >= len(linuxStates) {
			return nil, fmt.Errorf("/proc/net/tcp line %d: state %d", i+1, st)
		}
		out = append(out, ProcSock{Local: l, Remote: r, State: linuxStates[st]})
	}
	return out, nil
}

// hexAddr decodes /proc/net/tcp's "0100007F:1F90" (address in host order on little-endian machines).
func hexAddr(s string) (string, error) {
	var a uint32
	var p uint16
	if _, err := fmt.Sscanf(s, "%08X:%04X", &a, &p); err != nil {
		return "", fmt.Errorf("address %q: %v", s, err)
	}
	var b [4]byte
	b[0], b[1], b[2], b[3] = byte(a), byte(a>>8), byte(a>>16), byte(a>>24)
	return fmt.Sprintf("%d.%d.%d.%d:%d", b[0], b[1], b[2], b[3], p), nil
}

// linuxStates are the kernel's TCP state names by number (include/net/tcp_states.h).
var linuxStates = []string{"", "TCP_ESTABLISHED", "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_FIN_WAIT1", "TCP_FIN_WAIT2",
	"TCP_TIME_WAIT", "TCP_CLOSE", "TCP_CLOSE_WAIT", "TCP_LAST_ACK", "TCP_LISTEN", "TCP_CLOSING", "TCP_NEW_SYN_RECV"}

// Tracer is a private tracefs instance recording the TCP tracepoints.
type Tracer struct {
	dir    string
	closed bool
}

// tracefsMount counts the open Tracers and says whether tracefs was
// mounted by this package: it is unmounted when the last one closes.
var tracefsMount struct {
	sync.Mutex
	open    int
	mounted bool
}

// tracefsRoot is where tracefs is (or is mounted).
const tracefsRoot = "/sys/kernel/tracing"

// Events are the tracepoints a Tracer enables.
var Events = []string{
	"sock/inet_sock_set_state",
	"tcp/tcp_send_reset",
	"tcp/tcp_receive_reset",
	"tcp/tcp_retransmit_skb",
}

// NewTracer mounts tracefs if needed, creates the instance named name and
// enables Events in it. Close removes the instance, and unmounts tracefs
// when NewTracer mounted it and no other Tracer is open.
func NewTracer(name string) (*Tracer, error) {
	tracefsMount.Lock()
	defer tracefsMount.Unlock()
	if _, err := os.Stat(filepath.Join(tracefsRoot, "instances")); err != nil {
		if err := unix.Mount("nodev", tracefsRoot, "tracefs", 0, ""); err != nil {
			return nil, fmt.Errorf("mount tracefs on %s: %w", tracefsRoot, err)
		}
		tracefsMount.mounted = true
	}
	tracefsMount.open++
	dir := filepath.Join(tracefsRoot, "instances", name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		releaseTracefs()
		return nil, fmt.Errorf("create trace instance: %w", err)
	}
	tr := &Tracer{dir: dir}
	if err := tr.write("buffer_size_kb", "1024"); err != nil {
		tr.close()
		return nil, err
	}
	for _, e := range Events {
		if err := tr.write(filepath.Join("events", e, "enable"), "1"); err != nil {
			tr.close()
			return nil, err
		}
	}
	if err := tr.write("tracing_on", "1"); err != nil {
		tr.close()
		return nil, err
	}
	return tr, nil
}

// releaseTracefs drops one open Tracer and unmounts tracefs after the last
// one if this package mounted it. The caller holds tracefsMount.
func releaseTracefs() error {
	tracefsMount.open--
	if tracefsMount.open > 0 || !tracefsMount.mounted {
		return nil
	}
	tracefsMount.mounted = false
	if err := unix.Unmount(tracefsRoot, 0); err != nil {
		return fmt.Errorf("unmount tracefs from %s: %w", tracefsRoot, err)
	}
	return nil
}

func (tr *Tracer) write(file, value string) error {
	if err := os.WriteFile(filepath.Join(tr.dir, file), []byte(value), 0); err != nil {
		return fmt.Errorf("tracefs: %w", err)
	}
	return nil
}

// Mark writes a line into the record, in order with the kernel's events.
func (tr *Tracer) Mark(format string, args ...any) error {
	return tr.write("trace_marker", markPrefix+fmt.Sprintf(format, args...))
}

// markPrefix starts every line Mark writes.
const markPrefix = "fsmgen "

// Read stops recording and returns the record as text, one event a line.
func (tr *Tracer) Read() (string, error) {
	if err := tr.write("tracing_on", "0"); err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(tr.dir, "trace"))
	if err != nil {
		return "", fmt.Errorf("tracefs: %w", err)
	}
	return string(data), nil
}

// Close disables the events and removes the instance (and tracefs, when
// NewTracer mounted it and this was the last Tracer open).
func (tr *Tracer) Close() error {
	tracefsMount.Lock()
	defer tracefsMount.Unlock()
	return tr.close()
}

func (tr *Tracer) close() error {
	if tr.closed {
		return nil
	}
	tr.closed = true
	if err := removeInstance(tr.dir); err != nil {
		// The instance is still there, so tracefs cannot be unmounted either.
		tracefsMount.open--
		return err
	}
	return releaseTracefs()
}

// removeInstance stops the trace instance dir and removes it. Removal fails
// with EBUSY while a reader has one of its files open, so it is retried for
// up to a second.
func removeInstance(dir string) error {
	os.WriteFile(filepath.Join(dir, "tracing_on"), []byte("0"), 0)
	var err error
	for i := 0; i < 20; i++ {
		if err = unix.Rmdir(dir); err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("remove trace instance %s: %w", dir, err)
}

// Snapshot returns the record so far, without stopping it.
func (tr *Tracer) Snapshot() (string, error) {
	data, err := os.ReadFile(filepath.Join(tr.dir, "trace"))
	if err != nil {
		return "", fmt.Errorf("tracefs: %w", err)
	}
	return string(data), nil
}
