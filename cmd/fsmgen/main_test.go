package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command in-process and returns its exit status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// wantAll fails t for each of wants that text, named what, does not
// contain.
func wantAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}

func writeSpec(t *testing.T, name, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateEmbedded(t *testing.T) {
	code, stdout, stderr := runCLI(t, "validate")
	want := "spec/tcp.yaml: machine tcp: 11 states, 18 events (7 calls, 8 messages, 3 timers), 71 transitions, 3 variables, 10 checks\n"
	if code != 0 || stdout != want || stderr != "" {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant stdout %q", code, stdout, stderr, want)
	}
	// -strict passes too: the TCP spec has no warnings.
	if code, _, stderr := runCLI(t, "validate", "-strict", "-param", "MSL=30s"); code != 0 {
		t.Fatalf("validate -strict -param MSL=30s: exit %d: %s", code, stderr)
	}
}

func TestValidateFile(t *testing.T) {
	code, stdout, stderr := runCLI(t, "validate", "../../spec/testdata/good/door.yaml")
	if code != 0 || !strings.HasPrefix(stdout, "../../spec/testdata/good/door.yaml: machine door: 3 states") || stderr != "" {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
}

func TestValidateBadFile(t *testing.T) {
	path := writeSpec(t, "bad.yaml", "machine: m\ncalls: [GO]\nstates:\n  A: {initial: true}\ntransitions:\n  - {from: A, on: GOO}\n")
	code, stdout, stderr := runCLI(t, "validate", path)
	want := filepath.ToSlash(path) + `:6:19: unknown call "GOO"` + "\n"
	if code != 2 || stdout != "" || stderr != want {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant stderr %q", code, stdout, stderr, want)
	}
}

func TestValidateMissingFile(t *testing.T) {
	code, _, stderr := runCLI(t, "validate", filepath.Join(t.TempDir(), "none.yaml"))
	if code != 2 || !strings.Contains(stderr, "none.yaml") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestValidateWarnings(t *testing.T) {
	const path = "../../spec/testdata/good/warnings.yaml"
	var warnings, errs strings.Builder // stderr without and with -strict
	for _, w := range []struct{ pos, msg string }{
		{"4:18", "event recv UNUSED is handled by no transition: it can never fire"},
		{"6:3", "timer idle is never started"},
		{"7:13", "event NEVER is handled by no transition: it can never fire"},
		{"11:3", "state ORPHAN is unreachable from the initial state A"},
	} {
		fmt.Fprintf(&warnings, "%s:%s: warning: %s\n", path, w.pos, w.msg)
		fmt.Fprintf(&errs, "%s:%s: %s\n", path, w.pos, w.msg)
	}

	code, stdout, stderr := runCLI(t, "validate", path)
	if code != 0 || stderr != warnings.String() || !strings.Contains(stdout, "machine warned: 3 states") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q\nwant stderr %q", code, stdout, stderr, warnings.String())
	}

	code, stdout, stderr = runCLI(t, "validate", "-strict", path)
	if code != 2 || stdout != "" || stderr != errs.String() {
		t.Fatalf("-strict: exit %d\nstdout %q\nstderr %q\nwant %q", code, stdout, stderr, errs.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string // a line stderr must contain
	}{
		{nil, 2, "usage: fsmgen COMMAND"},
		{[]string{"frobnicate"}, 2, `fsmgen: unknown command "frobnicate"`},
		{[]string{"validate", "-nosuchflag"}, 2, "fsmgen validate: flag provided but not defined: -nosuchflag\nrun 'fsmgen help validate' for its flags\n"},
		{[]string{"validate", "-param", "MSL"}, 2, "want NAME=DURATION"},
		{[]string{"validate", "-param", "MSL=forever"}, 2, `"forever" is not a positive duration`},
		{[]string{"validate", "--param", "CAP=3"}, 2, "--set FIELD=VALUE sets a check field"},
		{[]string{"validate", "-param", "TTL=30s"}, 2, "spec/tcp.yaml:104:3: cannot set param TTL: the spec declares no such param (its params: MSL, FIN_TIMEOUT)"},
		{[]string{"validate", "a.yaml", "b.yaml"}, 2, "fsmgen validate: one spec file at most, got 2: a.yaml b.yaml"},
		{[]string{"spec", "x"}, 2, "takes no arguments"},
		{[]string{"check", "--max-memory", ""}, 2, "fsmgen check: --max-memory needs a value: a size such as 4GiB, auto or 0 (no limit)"},
		{[]string{"check", "--set", "network.capacity=15"}, 2, "contents: use a smaller capacity or an unordered inbox (the check as changed by --set network.capacity=15)"},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("fsmgen %s: exit %d (want %d)\nstderr %q\nwant it to contain %q", strings.Join(tc.args, " "), code, tc.code, stderr, tc.stderr)
		}
		if tc.code != 0 && stdout != "" {
			t.Errorf("fsmgen %s: stdout %q", strings.Join(tc.args, " "), stdout)
		}
		// The error is printed once, not around the usage text.
		if strings.Count(stderr, "flag provided") > 1 || strings.Contains(stderr, "flags:") {
			t.Errorf("fsmgen %s: stderr repeats itself or prints the usage:\n%s", strings.Join(tc.args, " "), stderr)
		}
	}
}
