package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

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
	name := fmt.Sprintf("fsmgen-probe-%d", os.Getpid())
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
	t  *testing.T
	N  *Netns
	Tr *Tracer
	k  int
}

// Addr is 127.77.K.host:port, K the scenario's number: the scenario's own addresses.
func (sc *Sc) Addr(host, port int) string { return fmt.Sprintf("127.77.%d.%d:%d", sc.k, host, port) }

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
func runScenario(t *testing.T, k int, s Scenario) *Outcome {
	t.Helper()
	requireEnv(t)
	name := fmt.Sprintf("fsmgen-conf-%d-%d", os.Getpid(), k)
	n, err := NewNetns(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	})
	tr, err := NewTracer(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Error(err)
		}
	})
	sc := &Sc{t: t, N: n, Tr: tr, k: k}
	s.Run(sc)
	text, err := tr.Read()
	if err != nil {
		t.Fatal(err)
	}
	out := validateRecord(t, s, text, fmt.Sprintf("127.77.%d.", k))
	outcomes.Lock()
	outcomes.list = append(outcomes.list, out)
	outcomes.Unlock()
	return out
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
	var buf bytes.Buffer
	for _, l := range rd.Lines {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), s.Name+".jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := trace.Validate(tcpSpec(t), bytes.NewReader(buf.Bytes()), s.Name+".jsonl", trace.Options{})
	if err != nil {
		t.Fatalf("%v\ntrace:\n%s", err, buf.String())
	}
	out := &Outcome{Name: s.Name, Reading: rd, Result: res, TraceJSON: buf.Bytes(), Transitions: rd.Transitions}
	report(t, out)
	if !res.OK() {
		t.Errorf("Linux's trace does not conform to spec/tcp.yaml (no listed deviation explains it)\ntrace:\n%s", buf.String())
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

func hasStep(res *trace.Result, want string) bool {
	for _, in := range res.Instances {
		for _, st := range in.Steps {
			if st.From+"/"+st.Event == want {
				return true
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
	fmt.Fprintf(&b, "rows exercised: %d of %d", len(res.Union), len(res.Spec.Rows))
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
	tcpOnce.Do(func() { tcpOnce.s, tcpOnce.err = spec.TCP() })
	if tcpOnce.err != nil {
		t.Fatal(tcpOnce.err)
	}
	return tcpOnce.s
}
