package modelcheck

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var promelaOut = flag.String("promela", "", "write a Promela rendering of the TCP lossy benchmark system to this file (see TestWritePromela)")
var promelaCap = flag.Int("promela-cap", 4, "channel capacity of the -promela rendering")

// TestWritePromela renders the benchmark system (BenchmarkTCPLossy) as
// Promela for SPIN, straight from the checker's tables: one process, one
// d_step per action instance, the same state variables (each peer's packed
// snapshot, per-kind message counts, call budgets). SPIN's "states, stored"
// must equal the checker's distinct states.
//
//	go test ./modelcheck -run WritePromela -promela /tmp/m.pml -promela-cap 4
//	spin -a /tmp/m.pml && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -m100000000 -E
func TestWritePromela(t *testing.T) {
	if *promelaOut == "" {
		t.Skip("no -promela file")
	}
	s, c := tcpBenchCheck(t, *promelaCap)
	ck, err := New(s, c, Workers(1))
	if err != nil {
		t.Fatal(err)
	}
	m := ck.m
	k := len(s.Messages)
	var b strings.Builder
	fmt.Fprintf(&b, "/* %s, check %s, unordered inboxes of capacity %d with loss. */\n", s.File, c.Name, *promelaCap)
	init := initialSnapshot(s)
	// Both peers start in the same snapshot; initialising in the declaration
	// keeps SPIN from storing extra states before the loop.
	fmt.Fprintf(&b, "#define CAP %d\nbyte snap[2] = %d;\nbyte cnt0[%d];\nbyte cnt1[%d];\nbyte tot[2];\n", *promelaCap, init, k, k)
	for i := range m.budgets {
		fmt.Fprintf(&b, "byte budget%d = %d;\n", i, m.budgets[i].init)
	}
	b.WriteString("init {\n  do\n")
	cnt := func(p int) string { return fmt.Sprintf("cnt%d", p) }
	send := func(q int, msg uint8) string {
		return fmt.Sprintf("if :: tot[%d] < CAP -> %s[%d]++; tot[%d]++ :: else -> skip fi; ", q, cnt(q), msg, q)
	}
	for _, a := range m.actions {
		p := a.peer
		switch a.kind {
		case actLose:
			fmt.Fprintf(&b, "  :: d_step { %s[%d] > 0 -> %s[%d]--; tot[%d]-- }\n", cnt(p), a.arg, cnt(p), a.arg, p)
			continue
		case actDuplicate:
			t.Fatal("duplication is not rendered")
		}
		ps := m.step[p]
		var guard []string
		var body strings.Builder
		for snap := range uint64(1) << s.Layout.Bits {
			if !validSnapshot(s, snap) {
				continue
			}
			if a.kind == actTimeout && snap>>(s.Layout.TimerOffset+uint(a.arg))&1 == 0 {
				continue
			}
			o := ps.apply(snap, a.event, nil)
			if !o.ok {
				continue
			}
			guard = append(guard, fmt.Sprintf("snap[%d] == %d", p, snap))
			fmt.Fprintf(&body, "      :: snap[%d] == %d -> snap[%d] = %d; ", p, snap, p, o.next)
			for _, msg := range o.sends {
				body.WriteString(send(1-p, msg))
			}
			body.WriteString("\n")
		}
		if len(guard) == 0 {
			continue
		}
		pre := ""
		switch a.kind {
		case actCall:
			if a.budget >= 0 {
				pre = fmt.Sprintf("budget%d > 0 && ", a.budget)
			}
		case actDeliver:
			pre = fmt.Sprintf("%s[%d] > 0 && ", cnt(p), a.arg)
		case actTimeout:
			if m.idle {
				pre = "tot[0] == 0 && tot[1] == 0 && "
			}
		}
		fmt.Fprintf(&b, "  :: d_step { %s(%s) ->\n", pre, strings.Join(guard, " || "))
		switch a.kind {
		case actCall:
			if a.budget >= 0 {
				fmt.Fprintf(&b, "      budget%d--;\n", a.budget)
			}
		case actDeliver:
			fmt.Fprintf(&b, "      %s[%d]--; tot[%d]--;\n", cnt(p), a.arg, p)
		}
		fmt.Fprintf(&b, "      if\n%s      fi }\n", body.String())
	}
	b.WriteString("  od\n}\n")
	if err := os.WriteFile(*promelaOut, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
