package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen"
)

// bin is the fsmgen binary built once for the tests that run it as users do.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fsmgen-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = filepath.Join(dir, "fsmgen")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building fsmgen: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBin runs the built fsmgen with stdin and returns exit status, stdout and stderr.
func runBin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestBinHelpOnStdout(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "usage: fsmgen COMMAND"},
		{[]string{"-h"}, "usage: fsmgen COMMAND"},
		{[]string{"help"}, "commands:"},
		{[]string{"help", "check"}, "usage: fsmgen check [flags] [spec.yaml]"},
		{[]string{"check", "-h"}, "\n  --continue\n"},
		{[]string{"check", "--help"}, "\n  --max-memory SIZE\n"},
		{[]string{"help", "help"}, "commands:"},
		{[]string{"help", "validate"}, "usage: fsmgen validate"},
	} {
		code, stdout, stderr := runBin(t, "", tc.args...)
		if code != 0 || !strings.Contains(stdout, tc.want) || stderr != "" {
			t.Errorf("fsmgen %s: exit %d\nstdout %q\nstderr %q\nwant stdout to contain %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
		}
	}
	// help check is the check command's help, not the top-level one.
	if _, stdout, _ := runBin(t, "", "help", "check"); strings.Contains(stdout, "commands:") {
		t.Errorf("help check printed the top-level help:\n%s", stdout)
	}
	if code, _, stderr := runBin(t, "", "help", "nosuch"); code != 2 || !strings.Contains(stderr, `unknown command "nosuch"`) {
		t.Errorf("help nosuch: exit %d, stderr %q", code, stderr)
	}
	// Flags are shown in the documented style, --name.
	if _, stdout, _ := runBin(t, "", "help", "trace"); regexp.MustCompile(`(?m)^  -[a-z]`).MatchString(stdout) {
		t.Errorf("help trace shows a single-dash flag:\n%s", stdout)
	}
	if code, stdout, stderr := runBin(t, "", "help", "check", "extra"); code != 2 || stdout != "" || !strings.Contains(stderr, "fsmgen help: one command at most, got 2 arguments: check extra") {
		t.Errorf("help check extra: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestBinVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		code, stdout, stderr := runBin(t, "", arg)
		if code != 0 || !regexp.MustCompile(`^fsmgen \S+ .*go1\.\d+`).MatchString(stdout) || stderr != "" {
			t.Errorf("fsmgen %s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
}

func TestBinFlagsAfterArguments(t *testing.T) {
	code, stdout, stderr := runBin(t, "", "check", "../../spec/tcp.yaml", "--config", "lossy", "--workers", "1")
	if code != 0 || !strings.HasPrefix(stdout, "check lossy of ../../spec/tcp.yaml: all properties hold") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// After "--", everything is an argument.
	code, _, stderr = runBin(t, "", "validate", "--", "-strict")
	if code != 2 || !strings.Contains(stderr, "-strict") {
		t.Errorf("validate -- -strict: exit %d, stderr %q", code, stderr)
	}
}

func TestBinBadFlagValueOnce(t *testing.T) {
	code, stdout, stderr := runBin(t, "", "check", "--workers", "many")
	want := "fsmgen check: invalid value \"many\" for flag -workers: parse error\nrun 'fsmgen help check' for its flags\n"
	if code != 2 || stdout != "" || stderr != want {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant %q", code, stdout, stderr, want)
	}
}

func TestBinSpecAndStdin(t *testing.T) {
	code, stdout, _ := runBin(t, "", "spec")
	if code != 0 || stdout != string(fsmgen.TCPSource()) {
		t.Fatalf("fsmgen spec: exit %d, %d bytes, want the embedded spec", code, len(stdout))
	}
	// The printed spec reads back from standard input with the same result.
	code, stdout, stderr := runBin(t, stdout, "validate", "-")
	if code != 0 || !strings.HasPrefix(stdout, "<stdin>: machine tcp: 11 states") {
		t.Fatalf("validate -: exit %d\n%s%s", code, stdout, stderr)
	}
	src, err := os.ReadFile("../../modelcheck/testdata/counter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runBin(t, string(src), "check", "-", "--config", "overflow")
	if code != 1 || !strings.Contains(stdout, "invariant below_two (a.n < 2) is violated after 2 steps [<stdin>:") {
		t.Errorf("check - --config overflow: exit %d\n%s", code, stdout)
	}
}

func TestBinSet(t *testing.T) {
	states := func(args ...string) int {
		t.Helper()
		code, stdout, stderr := runBin(t, "", append([]string{"check", "--json", "--config", "lossy"}, args...)...)
		if code > 1 {
			t.Fatalf("check %v: exit %d\n%s", args, code, stderr)
		}
		var r struct{ States int }
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		return r.States
	}
	if a, b := states(), states("--set", "network.capacity=2"); a != 307 || b >= a {
		t.Errorf("lossy: %d states (want 307); with capacity 2: %d (want fewer)", a, b)
	}
	if a, b := states(), states("--set", "peers.client.calls.ABORT=1"); b <= a {
		t.Errorf("lossy: %d states; with an ABORT call %d (want more)", a, b)
	}
	// Errors name the check's position and the override.
	for _, tc := range []struct{ set, want string }{
		{"network.capacity=lots", `^spec/tcp.yaml:\d+:3: network capacity must be an integer, found "lots" \(from --set network.capacity=lots\)`},
		{"network.capacity=99", `^spec/tcp.yaml:\d+:3: network capacity must be between 1 and 64, found 99 \(from --set network.capacity=99\)`},
		{"peers.nobody.calls.CLOSE=1", `^spec/tcp.yaml:\d+:3: --set peers.nobody.calls.CLOSE=1: check lossy has no peer "nobody": its peers are client, server`},
		{"nonsense", `^fsmgen check: invalid value "nonsense" for flag -set: want FIELD=VALUE`},
	} {
		code, _, stderr := runBin(t, "", "check", "--config", "lossy", "--set", tc.set)
		if code != 2 || !regexp.MustCompile(tc.want).MatchString(stderr) {
			t.Errorf("--set %s: exit %d, stderr %q\nwant %s", tc.set, code, stderr, tc.want)
		}
	}
}

func TestBinExtends(t *testing.T) {
	const path = "../../spec/testdata/family.yaml"
	code, stdout, _ := runBin(t, "", "check", path, "--config", "small")
	if code != 0 {
		t.Fatalf("small: exit %d\n%s", code, stdout)
	}
	// more inherits the invariant, which its extra OPEN call breaks.
	code, stdout, _ = runBin(t, "", "check", path, "--config", "more", "--mermaid=false")
	if code != 1 || !strings.Contains(stdout, "invariant back_never_open (back.state != OPENED) is violated after 1 step") {
		t.Errorf("more: exit %d\n%s", code, stdout)
	}
	if strings.Contains(stdout, "sequenceDiagram") {
		t.Errorf("--mermaid=false printed the diagram:\n%s", stdout)
	}
	if lastLine(stdout) != "outcome: failed: invariant back_never_open violated" {
		t.Errorf("last line %q", lastLine(stdout))
	}
}

func TestBinAll(t *testing.T) {
	code, stdout, stderr := runBin(t, "", "check", "--all")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	wantAll(t, "stdout", stdout,
		"check reliable of", "check lossy of", "check lossy_any of", "check lossy_any_fair of", "check stale_resets of",
		"check simultaneous of", "check api of", "check old_duplicate_syn of", "check old_syn_recovery of", "check time_wait of",
		"all 10 checks of spec/tcp.yaml: coverage 62 of 71 rows fired", "rows no check reaches (4):\n  spec/tcp.yaml:",
		"\n  old_duplicate_syn holds\n  old_syn_recovery  holds\n  time_wait         holds\noutcome: holds\n",
	)
	if !strings.Contains(stderr, "'fsmgen spec' prints it") {
		t.Errorf("stderr lacks the embedded-spec note: %q", stderr)
	}
	code, stdout, _ = runBin(t, "", "check", "--all", "--json")
	var u struct {
		Outcome string
		Checks  []struct{ Check, Outcome string }
		Never   []struct{ Pos string } `json:"never_fired"`
	}
	if err := json.Unmarshal([]byte(stdout), &u); err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if u.Outcome != "holds" || len(u.Checks) != 10 || len(u.Never) != 4 {
		t.Errorf("--all --json: %+v", u)
	}
	if code, _, stderr := runBin(t, "", "check", "--all", "--config", "lossy"); code != 2 || !strings.Contains(stderr, "leave out --config") {
		t.Errorf("--all --config: exit %d, %q", code, stderr)
	}
}

const endsSpec = `machine: counter
vars:
  n: {type: int, min: 0, max: 2, init: 0}
messages: [TICK]
calls: [INC, RESET]
states:
  IDLE: {initial: true}
  FULL: {}
transitions:
  - {from: IDLE, on: INC, if: n < 1, set: {n: n + 1}}
  - {from: IDLE, on: INC, if: n == 1, to: FULL, set: {n: 2}, send: TICK}
  - {from: FULL, on: RESET, to: IDLE, set: {n: 0}}
  - {from: "*", on: recv TICK}
checks:
  no_terminal:
    doc: Written for the invariant; without terminal the normal end is a deadlock.
    peers:
      a: {calls: {INC: 2, RESET: 1}}
      b: {calls: {}}
    network: {order: unordered, capacity: 2}
    invariants:
      never_full: a.state != FULL
      in_range: a.n <= 2
`

func TestBinContinue(t *testing.T) {
	path := writeSpec(t, "ends.yaml", endsSpec)
	// Without --continue the search stops at the first violation.
	code, stdout, _ := runBin(t, "", "check", path)
	if code != 1 || !strings.Contains(stdout, "check no_terminal of "+filepath.ToSlash(path)+": invariant never_full VIOLATED") ||
		!regexp.MustCompile(`unknown +deadlock`).MatchString(stdout) {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runBin(t, "", "check", path, "--continue", "--mermaid=false")
	wantAll(t, "--continue: stdout", stdout,
		": 2 properties VIOLATED (invariant never_full, deadlock)",
		"invariant never_full (a.state != FULL) is violated after 2 steps",
		"deadlock after 4 steps: no action is enabled:",
		"hint: every peer has spent its calls and the network is empty, which looks like the normal end: declare proper ends with terminal:, e.g. terminal: a.state == IDLE && b.state == IDLE && empty(net)",
		"\noutcome: failed: invariant never_full, deadlock violated\n",
	)
	if code != 1 || !regexp.MustCompile(`holds +invariant +in_range`).MatchString(stdout) || strings.Contains(stdout, "deadlock deadlock") {
		t.Errorf("--continue: exit %d\n%s", code, stdout)
	}
	// The same as JSON: both violations, each with its trace, and the outcome.
	_, stdout, _ = runBin(t, "", "check", path, "--continue", "--json")
	var r struct {
		Outcome    string
		Violations []struct {
			Kind, Property, Hint string
			Depth                int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Outcome != "failed" || len(r.Violations) != 2 || r.Violations[0].Depth != 2 || r.Violations[1].Kind != "deadlock" || r.Violations[1].Depth != 4 || r.Violations[1].Hint == "" {
		t.Errorf("--continue --json: %+v", r)
	}
}

func TestBinOutcomeAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		code    int
		last    string
		outcome string
	}{
		{[]string{"check"}, 0, "outcome: holds: every property holds in every reachable state", "holds"},
		{[]string{"check", "--config", "lossy", "--max-states", "10"}, 1, "outcome: incomplete (stopped at the state limit (10)): the properties are not established", "incomplete"},
		{[]string{"check", "../../modelcheck/testdata/counter.yaml", "--config", "overflow"}, 1, "outcome: failed: invariant below_two violated", "failed"},
	} {
		code, stdout, _ := runBin(t, "", tc.args...)
		if code != tc.code || lastLine(stdout) != tc.last {
			t.Errorf("%v: exit %d, last line %q\nwant exit %d, %q", tc.args, code, lastLine(stdout), tc.code, tc.last)
		}
		code, stdout, _ = runBin(t, "", append(tc.args, "--json")...)
		var r struct{ Outcome string }
		if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != tc.code || r.Outcome != tc.outcome {
			t.Errorf("%v --json: exit %d, outcome %q (%v), want %q", tc.args, code, r.Outcome, err, tc.outcome)
		}
	}
}

func TestBinOutputDetails(t *testing.T) {
	code, stdout, _ := runBin(t, "", "check", "../../modelcheck/testdata/counter.yaml", "--config", "overflow")
	wantAll(t, "stdout", stdout,
		"  The invariant fails after the second INC (depth 2), the shortest way there.\n", // the doc
		"1. a calls INC: stays IDLE, sets n=1",
		"2. a calls INC: IDLE -> FULL, sends TICK, sets n=2",
		"sequenceDiagram",
	)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	// JSON has the variables typed.
	_, stdout, _ = runBin(t, "", "check", "../../modelcheck/testdata/counter.yaml", "--config", "overflow", "--json")
	var r struct {
		Violation struct {
			Trace struct {
				Steps []struct {
					Set   map[string]any
					State struct {
						Peers []struct {
							Vars map[string]any
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	st := r.Violation.Trace.Steps
	if len(st) != 2 || st[1].State.Peers[0].Vars["n"] != float64(2) || len(st[1].Set) != 1 || st[1].Set["n"] != float64(2) {
		t.Errorf("JSON steps %+v", st)
	}
	// Coverage: one line, the list behind --coverage; unhandled drops in text
	// (tcp.yaml handles every segment in every state; its copy without
	// sequence numbers does not).
	_, stdout, _ = runBin(t, "", "check")
	if !strings.Contains(stdout, "coverage: 24 of 71 rows fired; 5 only refuse calls, which is not firing; 42 never fired in this check (--coverage lists them)\n") ||
		strings.Contains(stdout, "row never fired") || strings.Contains(stdout, "unhandled messages") {
		t.Errorf("default coverage output:\n%s", stdout)
	}
	_, stdout, _ = runBin(t, "", "check", "../../spec/testdata/tcp_unsequenced.yaml")
	if !strings.Contains(stdout, "unhandled messages: recv ACK_SYN in FIN_WAIT_1 (5)") {
		t.Errorf("unhandled messages output:\n%s", stdout)
	}
	_, stdout, _ = runBin(t, "", "check", "--coverage")
	if strings.Count(stdout, "row never fired") != 42 {
		t.Errorf("--coverage lists %d rows, want 42:\n%s", strings.Count(stdout, "row never fired"), stdout)
	}
	// A failed or stopped search lists the rows not fired so far.
	_, stdout, _ = runBin(t, "", "check", "../../modelcheck/testdata/counter.yaml", "--config", "overflow", "--coverage")
	if !strings.Contains(stdout, "coverage: 2 of 4 rows fired; 2 not fired so far in a partial search\n  the search was partial (at a violation); these rows had not fired so far:\n") ||
		strings.Count(stdout, ": row not fired so far: ") != 2 {
		t.Errorf("--coverage on a failed check:\n%s", stdout)
	}
	_, stdout, _ = runBin(t, "", "check", "--max-states", "10", "--coverage")
	var notFired int
	if m := regexp.MustCompile(`; (\d+) not fired so far in a partial search\n  the search was partial \(stopped at the state limit \(10\)\); these rows had not fired so far:\n`).FindStringSubmatch(stdout); m != nil {
		notFired, _ = strconv.Atoi(m[1])
	}
	if notFired == 0 || strings.Count(stdout, ": row not fired so far: ") != notFired {
		t.Errorf("--coverage on a stopped check:\n%s", stdout)
	}
	_, stdout, _ = runBin(t, "", "check", "--coverage")
	if strings.Contains(stdout, "deadlock   deadlock") || !strings.Contains(stdout, "deadlock   terminal: client.state == CLOSED && server.state == CLOSED && empty(net)\n") {
		t.Errorf("deadlock line:\n%s", stdout)
	}
}

func TestBinSpecWarnings(t *testing.T) {
	src, err := os.ReadFile("../../spec/testdata/good/warnings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := writeSpec(t, "warned.yaml", string(src)+`
checks:
  c:
    peers:
      a: {calls: {GO: 1}}
      b: {calls: {}}
    network: {capacity: 1}
    terminal: "true"
`)
	code, stdout, _ := runBin(t, "", "check", path)
	if code != 0 || !strings.Contains(stdout, filepath.ToSlash(path)+":6:3: warning: timer idle is never started\n") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	_, stdout, _ = runBin(t, "", "check", path, "--json")
	var r struct {
		SpecWarnings []string `json:"spec_warnings"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || len(r.SpecWarnings) != 4 {
		t.Errorf("spec_warnings %q (%v)", r.SpecWarnings, err)
	}
}
