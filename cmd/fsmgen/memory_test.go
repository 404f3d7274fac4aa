package main

import (
	"bytes"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestBinMaxMemoryBoundsResident runs searches that need far more memory
// than their --max-memory and asserts that the process's peak resident set
// stays within 10% of the limit, in each kind of search: one-word states
// with a shared table (2 workers) and an owned one (1 worker), multi-word
// states, and a liveness pass whose graph would not fit.
func TestBinMaxMemoryBoundsResident(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four searches of a few seconds each")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads the peak resident set of a child process as Linux reports it")
	}
	// The TCP pair without sequence numbers: its lossy check with premature
	// timeouts grows to millions of states at capacities 6 to 8.
	unseq := "../../spec/testdata/tcp_unsequenced.yaml"
	big := []string{unseq, "--config", "lossy", "--set", "timeouts=any", "--set", "network.capacity=8", "--set", "eventually={}", "--set", "terminal=true"}
	for _, tc := range []struct {
		name  string
		limit uint64 // MiB
		args  []string
		want  string
		props []string // property lines the output must have
	}{
		{name: "one word, shared table", limit: 96, args: append(big, "--workers", "2"), want: "outcome: incomplete (stopped at the memory limit (96.0 MiB))"},
		{name: "one word, owned table", limit: 96, args: append(big, "--workers", "1"), want: "outcome: incomplete (stopped at the memory limit (96.0 MiB))"},
		{name: "two words", limit: 128, args: append(big, "--workers", "2", "--set", "peers.client.calls={ACTIVE_OPEN: 200, CLOSE: 200}", "--set", "peers.server.calls={PASSIVE_OPEN: 200, CLOSE: 200}"),
			want: "outcome: incomplete (stopped at the memory limit (128.0 MiB))"},
		// The safety search fits; the liveness graph of its 2.6 million
		// states and 30 million transitions does not.
		{name: "liveness", limit: 128, args: []string{unseq, "--config", "lossy", "--set", "timeouts=any", "--set", "network.capacity=6", "--set", "terminal=true", "--workers", "2"},
			want: "outcome: incomplete (stopped at the memory limit (128.0 MiB) before the liveness pass, which needs about",
			// The safety search completed: its properties are established.
			props: []string{"holds     invariant  client_never_listens", "holds     invariant  closed_has_no_timers", "holds     deadlock   terminal: true",
				"unknown   liveness   both_closed", "): invariant client_never_listens, invariant closed_has_no_timers, deadlock freedom hold; liveness both_closed is not established"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check", "--max-memory", strconv.FormatUint(tc.limit, 10) + "MiB", "--mermaid=false"}, tc.args...)
			cmd := exec.Command(bin, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("fsmgen %s: %v (want exit 1)\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
			}
			if !strings.Contains(lastLine(stdout.String()), tc.want) {
				t.Fatalf("last line %q, want it to contain %q\n%s", lastLine(stdout.String()), tc.want, stdout.String())
			}
			wantAll(t, "output", stdout.String(), tc.props...)
			ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if !ok {
				t.Fatal("no resource usage for the child process")
			}
			peak := uint64(ru.Maxrss) << 10 // Linux reports kilobytes
			limit := tc.limit << 20
			t.Logf("%s: peak resident %.1f MiB under a limit of %d MiB (%.0f%%)", tc.name, float64(peak)/(1<<20), tc.limit, 100*float64(peak)/float64(limit))
			if float64(peak) > 1.10*float64(limit) {
				t.Errorf("peak resident set %.1f MiB passes the limit of %d MiB by more than 10%%", float64(peak)/(1<<20), tc.limit)
			}
		})
	}
}
