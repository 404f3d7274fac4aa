package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/trace"
)

// env is the outcome of checking the machine once: "" when the suite can run.
var env struct {
	once   sync.Once
	reason string
}

// requireEnv skips the test with one line when the machine cannot run the
// suite (not root, no tracefs, no network namespaces, no ip or nft), and
// fails it instead under CI=true.
func requireEnv(t *testing.T) {
	t.Helper()
	env.once.Do(func() { env.reason = probeEnv() })
	if env.reason == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("conformance: cannot run under CI: %s", env.reason)
	}
	t.Skipf("conformance: skipped: %s", env.reason)
}

func probeEnv() string {
	if os.Geteuid() != 0 {
		return "needs root (network namespaces, tracefs)"
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "needs the " + tool + " command (iproute2, nftables)"
		}
	}
	name := resourceName("probe", "")
	n, err := NewNetns(name)
	if err != nil {
		return "cannot create a network namespace: " + err.Error()
	}
	defer n.Close()
	tr, err := NewTracer(name)
	if err != nil {
		return "cannot create a tracefs instance: " + err.Error()
	}
	tr.Close()
	return ""
}

// Sc is one running scenario: its namespace, its trace instance and its addresses.
type Sc struct {
	t   *testing.T
	N   *Netns
	Tr  *Tracer
	net string // "127.A.B", the run's own /24
}

// Addr is NET.host:port, NET the run's own 127.A.B (see nextNet): the
// scenario's own addresses.
func (sc *Sc) Addr(host, port int) string { return fmt.Sprintf("%s.%d:%d", sc.net, host, port) }

// runNets hands every scenario run its own 127.A.B/24. The tracepoints
// are global: the record of one run holds the TCP events of every
// namespace, including other processes running the suite and sockets a
// previous run's namespace still tears down. Records are told apart by
// address, so no two runs may share one: the first is random (per
// process), the next ones follow it (per run, 65024 before they repeat).
var runNets struct {
	sync.Mutex
	base, n int
	started bool
}

func nextNet() string {
	runNets.Lock()
	defer runNets.Unlock()
	const size = 254 * 256 // 127.1.0 to 127.254.255: never 127.0.x, the host's usual loopback
	if !runNets.started {
		runNets.base, runNets.started = rand.IntN(size), true
	}
	key := (runNets.base + runNets.n) % size
	runNets.n++
	return fmt.Sprintf("127.%d.%d", 1+key/256, key%256)
}

// Server and Client are the two hosts of a scenario.
func (sc *Sc) Server(port int) string { return sc.Addr(1, port) }
func (sc *Sc) Client(port int) string { return sc.Addr(2, port) }

// Socket makes a socket bound to local, closed when the test ends.
func (sc *Sc) Socket(local string) *Sock {
	sc.t.Helper()
	s, err := sc.N.Socket(local)
	if err != nil {
		sc.t.Fatal(err)
	}
	sc.t.Cleanup(func() { s.Close() })
	return s
}

// Checkpoint writes the namespace's /proc/net/tcp into the record, one marker per socket.
func (sc *Sc) Checkpoint() {
	sc.t.Helper()
	socks, err := sc.N.ProcTCP()
	if err != nil {
		sc.t.Fatal(err)
	}
	for _, s := range socks {
		if err := sc.Tr.Mark("sock %s %s %s", s.Local, s.Remote, s.State); err != nil {
			sc.t.Fatal(err)
		}
	}
}

// WaitProc waits (at most 3 s, polling every 20 ms) until /proc/net/tcp
// lists local→remote in state, then checkpoints.
func (sc *Sc) WaitProc(local, remote, state string) {
	sc.t.Helper()
	var last []ProcSock
	for i := 0; i < 150; i++ {
		socks, err := sc.N.ProcTCP()
		if err != nil {
			sc.t.Fatal(err)
		}
		for _, s := range socks {
			if s.Local == local && s.Remote == remote && s.State == state {
				sc.Checkpoint()
				return
			}
		}
		last = socks
		time.Sleep(20 * time.Millisecond)
	}
	sc.t.Fatalf("%s→%s never reached %s; /proc/net/tcp: %v", local, remote, state, last)
}

// WaitRecord waits (at most 5 s, polling every 20 ms) until the record holds a line containing all of parts.
func (sc *Sc) WaitRecord(parts ...string) {
	sc.t.Helper()
	for i := 0; i < 250; i++ {
		text, err := sc.Tr.Snapshot()
		if err != nil {
			sc.t.Fatal(err)
		}
		for _, line := range strings.Split(text, "\n") {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	text, _ := sc.Tr.Snapshot()
	sc.t.Fatalf("the record never showed %q:\n%s", parts, text)
}

// DropIn loads an nft rule into the scenario's namespace that drops the
// incoming segments match selects (an nft expression such as
// "tcp flags & fin == fin"); the returned function removes it.
func (sc *Sc) DropIn(match string) func() {
	sc.t.Helper()
	return sc.Nft("table inet fsmgen {\n chain in {\n  type filter hook input priority 0; policy accept;\n  " + match + " drop\n }\n}\n")
}

// Nft loads an nft script into the scenario's namespace (removed with it, and by the returned function).
func (sc *Sc) Nft(script string) func() {
	sc.t.Helper()
	if err := sc.N.Nft(script); err != nil {
		sc.t.Fatal(err)
	}
	removed := false
	remove := func() {
		if !removed {
			removed = true
			if err := sc.N.Nft("delete table inet fsmgen\n"); err != nil {
				sc.t.Error(err)
			}
		}
	}
	sc.t.Cleanup(remove)
	return remove
}

// Sysctl sets a sysctl inside the scenario's namespace.
func (sc *Sc) Sysctl(key, value string) {
	sc.t.Helper()
	if err := sc.N.Sysctl(key, value); err != nil {
		sc.t.Fatal(err)
	}
}

// Scenario is one provocation of the Linux stack.
type Scenario struct {
	Name string
	Doc  string
	Run  func(sc *Sc)
	// Want are steps the accepted trace must contain, as "STATE/event" (observed or found by the search).
	Want []string
	// Deviations that reading the record must apply.
	Deviations []string
}

// Outcome is what one scenario recorded, kept for the coverage report.
type Outcome struct {
	Name        string
	Reading     *Reading
	Result      *trace.Result
	TraceJSON   []byte
	Transitions map[string][]string
}

var outcomes struct {
	sync.Mutex
	list []*Outcome
}

// runScenario runs sc in a fresh namespace with a fresh trace instance,
// then reads, validates and reports the record.
func runScenario(t *testing.T, s Scenario) *Outcome {
	t.Helper()
	requireEnv(t)
	net := nextNet()
	name := resourceName("conf", strings.ReplaceAll(net, ".", "-"))
	n, err := NewNetns(name)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, n)
	tr, err := NewTracer(name)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, tr)
	sc := &Sc{t: t, N: n, Tr: tr, net: net}
	s.Run(sc)
	text, err := tr.Read()
	if err != nil {
		t.Fatal(err)
	}
	out := validateRecord(t, s, text, net+".")
	outcomes.Lock()
	outcomes.list = append(outcomes.list, out)
	outcomes.Unlock()
	return out
}

// closeAtEnd closes c when the test ends, failing it on an error.
func closeAtEnd(t *testing.T, c io.Closer) {
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
}

func validateRecord(t *testing.T, s Scenario, text, prefix string) *Outcome {
	t.Helper()
	recs, err := ParseRecords(text, prefix)
	if err != nil {
		t.Fatalf("%v\nrecord:\n%s", err, text)
	}
	rd, err := Read(recs)
	if err != nil {
		t.Fatalf("%v\nrecord:\n%s", err, text)
	}
	data, err := rd.JSONL()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), s.Name+".jsonl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := trace.Validate(tcpSpec(t), bytes.NewReader(data), s.Name+".jsonl", trace.Options{})
	if err != nil {
		t.Fatalf("%v\ntrace:\n%s", err, data)
	}
	out := &Outcome{Name: s.Name, Reading: rd, Result: res, TraceJSON: data, Transitions: rd.Transitions}
	report(t, out)
	if !res.OK() {
		t.Errorf("Linux's trace does not conform to spec/tcp.yaml (no listed deviation explains it)\ntrace:\n%s", data)
	}
	for _, w := range s.Want {
		if !hasStep(res, w) {
			t.Errorf("the trace never takes %s", w)
		}
	}
	for _, d := range s.Deviations {
		found := false
		for _, a := range rd.Applied {
			found = found || a.Deviation == d
		}
		if !found {
			t.Errorf("deviation %s was expected and not applied", d)
		}
	}
	return out
}

// hasStep reports whether the trace takes want, "STATE/event": a step
// from STATE on event, or an unobserved step from STATE that fired a row
// handling event (the search names one event of the row it fires, the
// first of its on: list; the row is what Linux was seen to take).
func hasStep(res *trace.Result, want string) bool {
	for _, in := range res.Instances {
		for _, st := range in.Steps {
			// A receipt names its letter, "recv RST(seq=false)": want names the message.
			ev, _, _ := strings.Cut(st.Event, "(")
			if st.From+"/"+ev == want {
				return true
			}
			if st.Hidden && st.Row >= 0 && strings.HasPrefix(want, st.From+"/") {
				for _, e := range res.Machine.Rows[st.Row].On {
					if st.From+"/"+e.String() == want {
						return true
					}
				}
			}
		}
	}
	return false
}

// report logs, per instance, the kernel's transitions, the deviations read and the spec's steps and rows.
func report(t *testing.T, out *Outcome) {
	t.Helper()
	var b strings.Builder
	res := out.Result
	for _, in := range res.Instances {
		fmt.Fprintf(&b, "instance %s\n", in.ID)
		if tr := out.Transitions[in.ID]; len(tr) > 0 {
			fmt.Fprintf(&b, "  linux: %s\n", strings.Join(tr, ", "))
		}
		if in.Divergence != nil {
			d := in.Divergence
			fmt.Fprintf(&b, "  DIVERGES at line %d in %s: observed %s: %s\n", d.Line, strings.Join(d.States, "/"), d.Observed, d.Reason)
		}
		for _, st := range in.Steps {
			fmt.Fprintf(&b, "  %s\n", res.StepString(st))
		}
		fmt.Fprintf(&b, "  rows: %s\n", rowList(res, in.Rows))
	}
	devs := map[string]int{}
	for _, a := range out.Reading.Applied {
		devs[a.Deviation]++
	}
	var names []string
	for d, c := range devs {
		names = append(names, fmt.Sprintf("%s×%d", d, c))
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "deviations applied: %s\n", strings.Join(names, ", "))
	fmt.Fprintf(&b, "rows exercised: %d of %d", len(res.Union), len(res.Machine.Rows))
	t.Log("\n" + b.String())
}

func rowList(res *trace.Result, rows []int) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("%d", r+1)
	}
	return strings.Join(parts, " ")
}

var tcpOnce struct {
	sync.Once
	s   *spec.Spec
	err error
}

func tcpSpec(t *testing.T) *spec.Spec {
	t.Helper()
	tcpOnce.Do(func() { tcpOnce.s, tcpOnce.err = fsmgen.TCP() })
	if tcpOnce.err != nil {
		t.Fatal(tcpOnce.err)
	}
	return tcpOnce.s
}

// refusal reports whether a system call's error means the call itself was
// refused (the spec's `error` rows), as opposed to succeeding or failing
// later for a reason the network gave (ECONNREFUSED, ETIMEDOUT).
func refusal(err error) bool {
	for _, e := range []error{unix.EISCONN, unix.EALREADY, unix.EINVAL, unix.EPIPE, unix.ENOTCONN, unix.EOPNOTSUPP} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// call records the spec call name made on s by fn: a marker before the
// system call and its outcome after.
func (sc *Sc) call(s *Sock, name string, fn func() error) error {
	sc.t.Helper()
	remote := s.Remote
	if remote == "" {
		remote = "0.0.0.0:0"
	}
	if err := sc.Tr.Mark("call %s %s %s", s.Local, remote, name); err != nil {
		sc.t.Fatal(err)
	}
	err := fn()
	outcome := "ok"
	switch {
	case refusal(err):
		outcome = "refused"
	case errors.Is(err, unix.ETIMEDOUT):
		outcome = "ETIMEDOUT"
	}
	if merr := sc.Tr.Mark("result %s %s %s %s", s.Local, remote, name, outcome); merr != nil {
		sc.t.Fatal(merr)
	}
	return err
}

// The spec's calls, made and recorded. Closing a descriptor that is already
// shut down, reset or closed by the peer releases it and is not a call of
// the spec; those use the Sock methods directly.

func (sc *Sc) Listen(s *Sock) error {
	return sc.call(s, "PASSIVE_OPEN", func() error { return s.Listen(4) })
}

func (sc *Sc) Connect(s *Sock, remote string) error {
	s.Remote = remote
	return sc.call(s, "ACTIVE_OPEN", func() error { return s.Connect(remote) })
}

func (sc *Sc) Close(s *Sock) error { return sc.call(s, "CLOSE", s.Close) }

func (sc *Sc) Shutdown(s *Sock) error { return sc.call(s, "CLOSE", s.ShutdownWrite) }

func (sc *Sc) Abort(s *Sock) error { return sc.call(s, "ABORT", s.Abort) }

func (sc *Sc) Send(s *Sock, p []byte) error {
	return sc.call(s, "SEND", func() error { return s.Write(p) })
}

// Receive reads once; a read that returns no data (end of file) is an error here.
func (sc *Sc) Receive(s *Sock) (int, error) {
	var n int
	err := sc.call(s, "RECEIVE", func() error {
		var err error
		n, err = s.Read()
		if err == nil && n == 0 {
			return fmt.Errorf("read on %s: end of file", s.Local)
		}
		return err
	})
	return n, err
}
