package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOutputAllOrNothing: a command whose output cannot all be written
// (here one of the files is a directory) writes none of it, and the error
// names the file, not a temporary one.
func TestOutputAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	// tla writes tcp_CHECK.tla and .cfg for every check; the time_wait
	// module comes last in name order.
	blocked := filepath.Join(dir, "tcp_time_wait.tla")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "tla", "-o", dir)
	if code != 2 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	wantAll(t, "stderr", stderr, blocked+": it is a directory")
	if strings.Contains(stderr, ".tmp") {
		t.Errorf("the error names a temporary file: %q", stderr)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"tcp_time_wait.tla"}) {
		t.Errorf("the failed run left %v", names)
	}

	code, _, stderr = runCLI(t, "generate", "-o", dir)
	if code != 2 {
		t.Fatalf("generate -o DIR: exit %d", code)
	}
	wantAll(t, "stderr", stderr, dir+": it is a directory")
}

// TestRenderCheckErrors: promela and tla name the check configuration they
// cannot find as check does: a usage error listing the spec's checks, and
// a spec without any at its position.
func TestRenderCheckErrors(t *testing.T) {
	none := writeSpec(t, "none.yaml", "machine: m\ncalls: [GO]\nstates: {A: {initial: true}}\ntransitions:\n  - {from: A, on: GO}\n")
	dir := t.TempDir()
	for _, cmd := range [][]string{{"check"}, {"promela"}, {"tla", "-o", dir}} {
		code, stdout, stderr := runCLI(t, append(cmd, none)...)
		if want := none + ":1:1: the spec has no check configurations: add a checks: section\n"; code != 2 || stdout != "" || stderr != want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q, want %q", cmd[0], code, stdout, stderr, want)
		}
		code, stdout, stderr = runCLI(t, append(cmd, "--config", "nope")...)
		if want := "fsmgen " + cmd[0] + `: no check configuration "nope": expected one of api, lossy, lossy_any, lossy_any_fair, old_duplicate_syn, old_syn_recovery, reliable, simultaneous, stale_resets, time_wait` + "\n"; code != 2 || stdout != "" || !strings.HasPrefix(stderr, want) {
			t.Errorf("%s --config nope: exit %d, stdout %q, stderr %q, want %q", cmd[0], code, stdout, stderr, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("tla wrote %d files", len(entries))
	}
}
