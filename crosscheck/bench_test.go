package crosscheck

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// The performance comparison behind the checker's bar (at least 10× the
// states per second of SPIN at identical state counts, 2 workers at least
// 1.8× one, at most 16 bytes per stored state): fsmgen with
// one and two workers against SPIN's default exhaustive search, on the
// TCP pair model of the lossy check of spec/tcp.yaml without sequence
// numbers (spec/testdata/tcp_unsequenced.yaml, the model the bars were set
// on: the sequenced spec's 26 letters give an unordered inbox of capacity 7
// too many contents to tabulate) with unordered inboxes of capacity 4 to 7
// (loss, no duplication, drop when full, timeouts: any), without
// properties so that both explore every state. Run it on a quiet machine:
//
//	go test ./crosscheck -run '^$' -bench TCPLossy -count 5 | tee /tmp/bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl /tmp/bench.txt
//
// Each capacity has three sub-benchmarks: impl=fsmgen-1w and fsmgen-2w
// (states/s over the whole Run, bytes/state of the visited set) and
// impl=spin (states, stored and states/s of ./pan, timed by pan's own
// "elapsed time"; spin -a and gcc run once, outside the timing).

// benchCheck is the benchmark system of the given inbox capacity.
func benchCheck(tb testing.TB, capacity int) (*spec.Spec, *spec.Check) {
	tb.Helper()
	s, c := config{spec: tcpUnsequenced, check: "lossy", inbox: both(channel{unordered, capacity, drop, true, false}), anyTimeouts: true}.build(tb)
	return s, CountingCheck(c)
}

var (
	benchMu     sync.Mutex
	benchStates = map[int]uint64{} // capacity -> fsmgen's distinct states
)

func BenchmarkTCPLossy(b *testing.B) {
	for capacity := 4; capacity <= 7; capacity++ {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("cap=%d/impl=fsmgen-%dw", capacity, workers), func(b *testing.B) {
				benchFsmgen(b, capacity, workers)
			})
		}
		b.Run(fmt.Sprintf("cap=%d/impl=spin", capacity), func(b *testing.B) {
			benchSpin(b, capacity)
		})
	}
}

func benchFsmgen(b *testing.B, capacity, workers int) {
	s, c := benchCheck(b, capacity)
	var res *modelcheck.Result
	for b.Loop() {
		ck, err := modelcheck.New(s, c, modelcheck.Workers(workers))
		if err != nil {
			b.Fatal(err)
		}
		if res, err = ck.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
		if !res.Complete {
			b.Fatalf("incomplete search: %s", res.StopReason)
		}
	}
	benchMu.Lock()
	benchStates[capacity] = res.States
	benchMu.Unlock()
	b.ReportMetric(float64(res.States), "states")
	b.ReportMetric(float64(res.States)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
	b.ReportMetric(res.BytesPerState, "bytes/state")
	b.ReportMetric(0, "ns/op")
}

var reElapsed = regexp.MustCompile(`(?m)^pan: elapsed time (\S+) seconds`)

func benchSpin(b *testing.B, capacity int) {
	if err := Available(); err != nil {
		b.Skip(err)
	}
	s, c := benchCheck(b, capacity)
	model, err := gen.Promela(s, c)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.pml"), model, 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
		}
		return out.String()
	}
	run("spin", "-o2", "-a", "model.pml")
	run("gcc", append(append([]string{"-O2"}, CCFlags...), "-o", "pan", "pan.c")...)
	var res SpinResult
	var search time.Duration
	for b.Loop() {
		t0 := time.Now()
		out := run("./pan", "-m1000000") // default hash table and exhaustive mode
		wall := time.Since(t0)
		if err := res.parse(out); err != nil {
			b.Fatal(err)
		}
		if !res.Complete || res.Errors != 0 {
			b.Fatalf("pan did not complete cleanly:\n%s", out)
		}
		el := wall
		if m := reElapsed.FindStringSubmatch(out); m != nil {
			if f, err := strconv.ParseFloat(m[1], 64); err == nil && f > 0 {
				el = time.Duration(f * float64(time.Second))
			}
		}
		search += el
	}
	benchMu.Lock()
	want, ok := benchStates[capacity]
	benchMu.Unlock()
	if ok && res.States != want {
		b.Fatalf("SPIN stored %d states, fsmgen %d", res.States, want)
	}
	b.ReportMetric(float64(res.States), "states")
	b.ReportMetric(float64(res.States)*float64(b.N)/search.Seconds(), "states/s")
	b.ReportMetric(0, "ns/op")
}
