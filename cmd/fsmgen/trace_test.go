package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestTraceConforms(t *testing.T) {
	code, stdout, stderr := runCLI(t, "trace", "../../trace/testdata/tcp_conform.jsonl")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "client: accepted (9 lines, ends in CLOSED)") ||
		!strings.HasSuffix(stdout, "4 instances, 4 conform, 0 diverge\n") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "trace", "../../spec/testdata/good/door.yaml", "../../trace/testdata/door_conform.jsonl")
	if code != 0 || !strings.Contains(stdout, "rows exercised by all instances: 6 of 7: 1 2 3 4 6 7\n") {
		t.Fatalf("door: exit %d\n%s", code, stdout)
	}
}

func TestTraceDiverges(t *testing.T) {
	code, stdout, stderr := runCLI(t, "trace", "../../trace/testdata/tcp_diverge.jsonl")
	wantAll(t, "stdout", stdout,
		`a: diverges at line 5: in SYN_RCVD, observed event "recv RST", fields {"seq":true}, state LISTEN: the spec goes to CLOSED; rows that could have applied: `,
		`b: diverges at line 6: in SYN_RCVD, observed event "timeout time_wait": timer time_wait is not armed`,
		`c: diverges at line 8: in ESTABLISHED, observed event "ABORT", send nothing: the spec sends RST`,
		`d: diverges at line 12: in FIN_WAIT_2, observed event "SEND", accepted: the spec refuses the call`,
	)
	if code != 1 || stderr != "" {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "trace", "-steps", "../../spec/testdata/good/door.yaml", "../../trace/testdata/door_diverge.jsonl")
	if code != 1 || !strings.Contains(stdout, "side: diverges at line 7: in LOCKED, observed state OPENED") ||
		!strings.Contains(stdout, "line 4: OPEN CLOSED -> OPENED [row 1]") {
		t.Fatalf("door: exit %d\n%s", code, stdout)
	}
}

func TestTraceStdin(t *testing.T) {
	f, err := os.Open("../../trace/testdata/tcp_diverge.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	code, stdout, _ := runCLI(t, "trace", "-")
	if code != 1 || !strings.Contains(stdout, "4 instances, 0 conform, 4 diverge") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
}

func TestTraceBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"id\":\"a\",\"state\":\"LISTEN\"}\n{\"id\":\"a\",\"state\":\"LISTEN\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "trace", bad)
	if want := filepath.ToSlash(bad) + ":2:"; code != 2 || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "bad JSON") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant prefix %q", code, stdout, stderr, want)
	}
	unknown := filepath.Join(dir, "unknown.jsonl")
	if err := os.WriteFile(unknown, []byte(`{"id":"a","event":"recv KNOCK"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "trace", unknown)
	if code != 2 || !strings.Contains(stderr, "unknown.jsonl:1:11: event \"recv KNOCK\": machine tcp has no message KNOCK") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, args := range [][]string{{"trace"}, {"trace", "a", "b", "c"}, {"trace", "-depth", "0", bad}} {
		if code, _, stderr := runCLI(t, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "trace", filepath.Join(dir, "none.jsonl")); code != 2 || !strings.Contains(stderr, "none.jsonl") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	// trace runs no check, so a check field to set is a mistake, and - is the trace's.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--set", "network.capacity=2", bad}, "--set overrides a field of a check configuration"},
		{[]string{"trace", "-", bad}, "reads the trace from standard input"},
		{[]string{"trace", "../../examples/abp/abp.yaml"}, "../../examples/abp/abp.yaml is a spec, not a trace: name the trace after it"},
	} {
		if code, stdout, stderr := runCLI(t, c.args...); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", c.args, code, stdout, stderr, c.want)
		}
	}
}

// TestTraceObserved: -observed, like a trace's header, keeps the search
// from inserting events of the kinds named; a malformed declaration is
// bad input.
func TestTraceObserved(t *testing.T) {
	code, stdout, stderr := runCLI(t, "trace", "-observed", "call", "../../trace/testdata/tcp_conform.jsonl")
	wantAll(t, "stdout", stdout,
		"every call is declared observed: the search for unobserved events inserts none",
		"server: diverges at line 2: in CLOSED, observed state LISTEN: no sequence of unobserved receipts and expiries reaches LISTEN (every snapshot reachable was tried); every call is declared observed, and only a path with unobserved calls reaches it: PASSIVE_OPEN;",
		"4 instances, 2 conform, 2 diverge")
	if code != 1 || stderr != "" {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"observed\": [\"call\", \"segment\"]}\n{\"id\":\"a\",\"state\":\"LISTEN\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "trace", bad)
	if want := filepath.ToSlash(bad) + `:1:23: "segment" is not a kind of event`; code != 2 || stdout != "" || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d\nstdout %q\nstderr %q\nwant prefix %q", code, stdout, stderr, want)
	}
	for _, c := range []struct{ flag, want string }{
		{"calls", `-observed: "calls" is not a kind of event: want "call", "recv" or "timeout"`},
		{"call,timeout,call", `-observed: "call" given twice`},
		{"call,", `-observed: "" is not a kind of event`},
	} {
		if code, stdout, stderr := runCLI(t, "trace", "-observed", c.flag, "../../trace/testdata/tcp_conform.jsonl"); code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("-observed %s: exit %d, stdout %q, stderr %q, want %q", c.flag, code, stdout, stderr, c.want)
		}
	}
}

func TestTraceMachine(t *testing.T) {
	code, stdout, stderr := runCLI(t, "trace", "-machine", "client", "../../examples/reqresp/reqresp.yaml", "../../trace/testdata/reqresp_client.jsonl")
	if code != 1 || stderr != "" || !strings.Contains(stdout, "c1: accepted (3 lines, ends in DONE)") ||
		!strings.Contains(stdout, `c2: diverges at line 5: in WAITING, observed event "REQUEST", accepted: the spec refuses the call`) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// Selecting no machine, or one the spec lacks, is the spec's error: its position first.
	for _, args := range [][]string{
		{"trace", "../../examples/reqresp/reqresp.yaml", "../../trace/testdata/reqresp_client.jsonl"},
		{"trace", "-machine", "proxy", "../../examples/reqresp/reqresp.yaml", "../../trace/testdata/reqresp_client.jsonl"},
	} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, "../../examples/reqresp/reqresp.yaml:2:1: ") {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", args, code, stdout, stderr)
		}
	}
	code, stdout, _ = runCLI(t, "trace", "-machine", "sender", "-steps", "../../examples/abp/abp.yaml", "../../trace/testdata/abp_sender_conform.jsonl")
	if code != 0 || !strings.Contains(stdout, "line 8: (unobserved) recv ACK(bit=false) WAIT -> READY [row 3]") ||
		!strings.HasSuffix(stdout, "2 instances, 2 conform, 0 diverge\n") {
		t.Fatalf("abp sender: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, "trace", "-machine", "sender", "../../examples/abp/abp.yaml", "../../trace/testdata/abp_sender_diverge.jsonl")
	if code != 1 || !strings.Contains(stdout, `s3: diverges at line 6: in READY, observed event "SEND", send DATA(bit=false, item=1): the spec sends DATA(bit=true, item=1)`) {
		t.Fatalf("abp sender diverging: exit %d\n%s", code, stdout)
	}
}

func TestTraceEmpty(t *testing.T) {
	dir := t.TempDir()
	for _, text := range []string{"", "\n \n"} {
		path := filepath.Join(dir, "empty.jsonl")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, "trace", path)
		if code != 2 || stdout != "" || !strings.HasPrefix(stderr, filepath.ToSlash(path)+":") || !strings.Contains(stderr, "no observations") {
			t.Errorf("%q: exit %d\nstdout %q\nstderr %q", text, code, stdout, stderr)
		}
	}
}

func TestTraceHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, "trace", "-h")
	wantAll(t, "trace -h", stdout, "-machine", "-observed", `{"observed": ["call"]}`, "  fields  ", "  refused ", "  note  ", `{"id": "c1", "event": "ACTIVE_OPEN"`, "search incomplete")
	if code != 0 {
		t.Errorf("exit %d", code)
	}
}

// TestReadmeExamples runs the README's `fsmgen check` and `fsmgen trace`
// examples: every line shown must be in the real output (standard output,
// then standard error), in order. "..." stands for lines left out; times,
// rates, worker counts and heap sizes are left out of the comparison; a
// comment after the command ("# 307 distinct states") must be in the output.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	type example struct {
		args, wants []string
		note        string
	}
	var examples []*example
	var cur *example // the example whose output the lines are, or nil
	for _, line := range strings.Split(string(readme), "\n") {
		if cmd, ok := strings.CutPrefix(line, "$ "); ok {
			cur = nil
			cmd, note, _ := strings.Cut(cmd, "#")
			f := strings.Fields(cmd)
			if len(f) > 0 && f[0] == "go" {
				if len(f) < 3 || f[1] != "run" || f[2] != "./cmd/fsmgen" {
					continue
				}
				f = f[2:]
			}
			if len(f) < 2 || f[0] != "fsmgen" && f[0] != "./cmd/fsmgen" || f[1] != "check" && f[1] != "trace" {
				continue
			}
			cur = &example{args: f[1:], note: strings.TrimSpace(note)}
			examples = append(examples, cur)
			continue
		}
		if cur != nil && strings.HasPrefix(line, "```") {
			cur = nil // the block ended
		}
		if cur != nil && strings.TrimSpace(line) != "..." {
			cur.wants = append(cur.wants, line)
		}
	}
	t.Chdir("../..") // the examples' paths, and the positions the output names, are the repository's
	ran := map[string]int{}
	for _, ex := range examples {
		ran[ex.args[0]]++
		args := ex.args
		if args[0] == "check" {
			// With several workers the counterexample shown is one of the
			// shortest, not always the same one: the README shows one worker's.
			args = append(slices.Clip(args), "--workers", "1")
		}
		_, stdout, stderr := runCLI(t, args...)
		out := stdout + stderr
		if !strings.Contains(out, ex.note) {
			t.Errorf("README: %v: %q is not in the output:\n%s", ex.args, ex.note, out)
		}
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			lines = append(lines, readmeFigures(l))
		}
		for _, w := range ex.wants {
			k := slices.Index(lines, readmeFigures(w))
			if k < 0 {
				t.Errorf("README: %v: line %q is not in the output (in order):\n%s", ex.args, w, out)
				break
			}
			lines = lines[k+1:]
		}
	}
	if ran["check"] < 4 || ran["trace"] < 2 {
		t.Fatalf("the README shows %d fsmgen check and %d fsmgen trace examples, want 4 and 2", ran["check"], ran["trace"])
	}
}

// readmeFigures leaves out of a line of check's output what varies from run
// to run: the time, the rate and the workers, and the peak heap.
func readmeFigures(line string) string {
	line = readmeRate.ReplaceAllString(line, "$1, ...")
	return readmeHeap.ReplaceAllString(line, "; peak heap ...")
}

var (
	readmeRate = regexp.MustCompile(`(depth \d+), [^(]* \([\d,.]+ states/s, \d+ workers?\)`)
	readmeHeap = regexp.MustCompile(`; peak heap [\d.]+ [KMGT]?i?B`)
)
