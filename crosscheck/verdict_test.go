package crosscheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// tcpVariants are checks appended to the TCP pair without sequence numbers
// (tcpUnsequenced; checks is its last section), each with one kind of property, so that the first violation
// each tool finds is of the expected kind.
const tcpVariants = `
  v_invariant_fails:
    peers:
      client: {calls: {ACTIVE_OPEN: 1, CLOSE: 1}}
      server: {calls: {PASSIVE_OPEN: 1, CLOSE: 1}}
    network: {order: unordered, capacity: 2, full: drop, loss: true}
    terminal: "true"
    invariants:
      never_both_established: "!(client.state == ESTABLISHED && server.state == ESTABLISHED)"
  v_invariant_initially_false:
    peers:
      client: {calls: {ACTIVE_OPEN: 1}}
      server: {calls: {PASSIVE_OPEN: 1}}
    network: {order: ordered, capacity: 1}
    terminal: "true"
    invariants:
      never_closed: client.state != CLOSED
  v_invariant_holds:
    peers:
      client: {calls: {ACTIVE_OPEN: 1, CLOSE: 1}}
      server: {calls: {PASSIVE_OPEN: 1, CLOSE: 1}}
    network: {order: unordered, capacity: 3, full: block, loss: true, duplicate: true}
    terminal: "true"
    invariants:
      client_never_listens: client.state != LISTEN
      inbox_bounded: len(client.inbox) <= 3 && count(net, SYN) <= 6
  v_deadlock:
    peers:
      client: {calls: {ACTIVE_OPEN: 1, CLOSE: 1}}
      server: {calls: {PASSIVE_OPEN: 1, CLOSE: 1}}
    network: {order: ordered, capacity: 2, full: block}
  v_no_deadlock:
    peers:
      client: {calls: {ACTIVE_OPEN: 1, CLOSE: 1, ABORT: 1}}
      server: {calls: {PASSIVE_OPEN: 1, CLOSE: 1}}
    network: {order: ordered, capacity: 2, full: drop}
    terminal: client.state == CLOSED || server.state != ESTABLISHED || !empty(net) || true
`

// reqrespVariants are checks appended to the request/response example (two
// machines), one failing invariant and one deadlock.
const reqrespVariants = `
  v_answered_never:
    peers:
      client: {machine: client, calls: {REQUEST: 1}}
      server: {machine: server}
    network: {order: unordered, capacity: 2, loss: true}
    terminal: "true"
    invariants:
      never_answered: client.state != DONE
  v_ends_in_deadlock:
    doc: Without terminal, the proper end (answered, nothing in flight) is a deadlock.
    peers:
      client: {machine: client, calls: {REQUEST: 1}}
      server: {machine: server}
    network: {order: ordered, capacity: 2}
`

// want is the verdict expected of a check, for its invariants and for its
// deadlocks: "none", "invariant" or "deadlock"; "" = whatever fsmgen says.
type want struct{ invariant, deadlock string }

// verdict is what a tool found: "none", "invariant" or "deadlock".
func fsmgenVerdict(r *modelcheck.Result) string {
	if r.Violation == nil {
		return "none"
	}
	return r.Violation.Kind.String()
}

func spinVerdict(r *SpinResult) string {
	switch r.Violation() {
	case "assertion":
		return "invariant"
	case "":
		return "none"
	}
	return r.Violation()
}

// TestVerdicts requires fsmgen and SPIN to agree on whether a property
// fails: for the checks of spec/tcp.yaml, of its copies with one defect
// each in spec/testdata/tcp_*.yaml (with the verdicts their headers
// expect) and of the variants above. Each check runs twice, once for its
// invariants alone (every deadlock a proper end) and once for deadlocks
// alone, since with both each tool reports the first violation its own
// search order meets; SPIN runs one model for both, with pan -E (invalid
// end states ignored) and pan -A (assertions ignored). Liveness goals are
// left to the TLA+ rendering (SPIN's fairness is per process).
func TestVerdicts(t *testing.T) {
	needSpin(t)
	type cell struct {
		s    *spec.Spec
		c    *spec.Check
		want want
	}
	var cells []cell
	tcp := loadSpec(t, "tcp")
	for _, c := range tcp.Checks {
		cells = append(cells, cell{tcp, c, want{"none", "none"}}) // every check of tcp.yaml holds
	}
	tcpSrc, err := os.ReadFile(tcpUnsequenced)
	if err != nil {
		t.Fatal(err)
	}
	vs := spectest.Parse(t, "tcp_variants.yaml", append(tcpSrc, tcpVariants...))
	expect := map[string]want{
		"v_invariant_fails":           {"invariant", "none"},
		"v_invariant_initially_false": {"invariant", "none"},
		"v_invariant_holds":           {"none", "none"},
		"v_deadlock":                  {"none", "deadlock"},
		"v_no_deadlock":               {"none", "none"},
	}
	for _, c := range vs.Checks {
		if w, ok := expect[c.Name]; ok {
			cells = append(cells, cell{vs, c, w})
		}
	}
	arith := loadSpec(t, "arith") // / % => cond in guards, set values and invariants
	cells = append(cells, cell{arith, arith.Check("pair"), want{"none", "none"}}, cell{arith, arith.Check("fails"), want{"invariant", "none"}})
	ab := loadSpec(t, abp) // message fields and a delivery monitor
	cells = append(cells, cell{ab, ab.Check("lossy_fifo"), want{"none", "none"}}, cell{ab, ab.Check("fifo_dup"), want{"none", "none"}},
		cell{ab, ab.Check("reordering"), want{"invariant", "none"}})
	tp := loadSpec(t, twophase) // three peers
	cells = append(cells, cell{tp, tp.Check("reliable"), want{"none", "none"}}, cell{tp, tp.Check("lossy"), want{"none", "deadlock"}})
	tpSrc, err := os.ReadFile(twophase)
	if err != nil {
		t.Fatal(err)
	}
	// A coordinator that decides on the last vote alone commits after a no.
	lastVote := strings.NewReplacer("votes == 1 && all_yes && msg.yes", "votes == 1 && msg.yes",
		"votes == 1 && !(all_yes && msg.yes)", "votes == 1 && !msg.yes").Replace(string(tpSrc))
	if lastVote == string(tpSrc) {
		t.Fatal("twophase.yaml no longer has the guards the last-vote variant breaks")
	}
	tpv := spectest.Parse(t, "twophase_last_vote.yaml", []byte(lastVote))
	cells = append(cells, cell{tpv, tpv.Check("reliable"), want{"invariant", "none"}})
	rr := loadSpec(t, reqresp)
	src, err := os.ReadFile(reqresp)
	if err != nil {
		t.Fatal(err)
	}
	rrv := spectest.Parse(t, "reqresp_variants.yaml", append(src, reqrespVariants...))
	for _, c := range rr.Checks {
		cells = append(cells, cell{rr, c, want{"none", "none"}})
	}
	for _, c := range rrv.Checks {
		if w, ok := map[string]want{"v_answered_never": {"invariant", "none"}, "v_ends_in_deadlock": {"none", "deadlock"}}[c.Name]; ok {
			cells = append(cells, cell{rrv, c, w})
		}
	}
	// A server that sends its answer to both clients instead of replying:
	// a client is answered before it asks.
	mc := multicastVariant(t, string(src))
	cells = append(cells, cell{mc, mc.Check("two_clients"), want{"invariant", ""}})
	race := loadSpec(t, "race") // timed: a timer's early window breaks the order of two deadlines
	cells = append(cells, cell{race, race.Check("in_order"), want{"none", "none"}}, cell{race, race.Check("early"), want{"invariant", "deadlock"}})
	// timed: a lossless channel's message of the last age stops time until
	// it is delivered, and when it cannot be, time is stuck (a deadlock).
	timed := loadSpec(t, timedPing)
	for _, x := range []struct {
		check string
		want  want
	}{
		{"counts_early", want{"invariant", "none"}}, {"conserved", want{"none", "none"}}, {"late_ping_equal_life", want{"none", "none"}},
		{"late_ping_lossless", want{"none", "none"}}, {"late_ping_long_life", want{"invariant", "none"}},
	} {
		cells = append(cells, cell{timed, timed.Check(x.check), x.want})
	}
	stuck := loadSpec(t, timedStuck)
	cells = append(cells, cell{stuck, stuck.Check("stuck"), want{"none", "deadlock"}}, cell{stuck, stuck.Check("stuck_lossy"), want{"none", "none"}})
	// The copies of tcp.yaml with one defect each, and the one without
	// sequence numbers: what their headers expect.
	files, _ := filepath.Glob("../spec/testdata/tcp_*.yaml")
	if len(files) == 0 {
		t.Fatal("no spec/testdata/tcp_*.yaml")
	}
	for _, f := range files {
		s, err := spec.Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		expected, err := expectedVerdicts(string(src))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for name := range expected {
			if s.Check(name) == nil {
				t.Errorf("%s: its header expects a verdict of check %s, which it does not have", f, name)
			}
		}
		for _, c := range s.Checks {
			w, ok := expected[c.Name]
			if expected == nil {
				w, ok = want{"none", "none"}, true // no defect: every check holds
			}
			if !ok {
				w = want{} // whatever fsmgen says
			}
			cells = append(cells, cell{s, c, w})
		}
	}
	for _, cl := range cells {
		for _, mode := range []string{"invariant", "deadlock"} {
			name := strings.TrimSuffix(filepath.Base(cl.s.File), ".yaml") + "/" + cl.c.Name + "/" + mode
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := *withoutGoals(cl.c)
				o := SpinOptions{MaxDepth: 2_000_000, HashBits: 22, Optimize: "-O0", Cache: pans}
				wanted := cl.want.invariant
				if mode == "invariant" {
					c.Terminal = CountingCheck(cl.c).Terminal
					o.NoEndStates = true
				} else {
					c.Invariants = nil
					wanted = cl.want.deadlock
					o.NoAssertions = true
				}
				fr := runFsmgen(t, cl.s, &c)
				sr, err := RunSpin(context.Background(), cl.s, withoutGoals(cl.c), o)
				if err != nil {
					t.Fatal(err)
				}
				fv, sv := fsmgenVerdict(fr), spinVerdict(sr)
				detail := ""
				if fr.Violation != nil {
					detail = fr.Violation.Property
				}
				t.Logf("fsmgen: %s %s (depth %d, %d states); spin: %s (%d states) %s", fv, detail, fr.MaxDepth, fr.States, sv, sr.States, sr.Error)
				if sv == "none" && !sr.Complete {
					t.Fatalf("spin's search was cut short")
				}
				if fv != sv {
					t.Errorf("verdicts differ: fsmgen %s, spin %s", fv, sv)
				}
				if wanted != "" && fv != wanted {
					t.Errorf("fsmgen: %s, expected %s", fv, wanted)
				}
			})
		}
	}
}

// multicastVariant is the request/response example with a server that
// sends every answer to both clients of two_clients instead of replying.
func multicastVariant(t *testing.T, src string) *spec.Spec {
	t.Helper()
	i := strings.Index(src, "  two_clients:")
	if i < 0 {
		t.Fatal("reqresp.yaml no longer has the check two_clients")
	}
	v := strings.Replace(src[:i], "reply: RESP", "send: RESP", 1) +
		strings.Replace(src[i:], "server: {machine: server}", "server: {machine: server, sends_to: [a, b]}", 1)
	if !strings.Contains(v, "send: RESP") || !strings.Contains(v, "sends_to: [a, b]") {
		t.Fatal("reqresp.yaml no longer has the reply and the check the multicast variant changes")
	}
	return spectest.Parse(t, "reqresp_multicast.yaml", []byte(v))
}

// expectedVerdicts reads the verdicts a copy of tcp.yaml in spec/testdata
// expects, from the header paragraph that begins "# Expected:": per
// sentence that names a check ("in check NAME"), a liveness goal that
// fails ("liveness NAME fails": the safety properties, which alone the
// tools compare, hold), an invariant that fails ("NAME fails") or a
// deadlock. A header without the paragraph expects nothing to fail: nil.
func expectedVerdicts(src string) (map[string]want, error) {
	var para []string
	in := false
	for _, line := range strings.Split(src, "\n") {
		text, ok := strings.CutPrefix(line, "# ")
		switch {
		case !in && ok && strings.HasPrefix(text, "Expected:"):
			in = true
			para = append(para, strings.TrimPrefix(text, "Expected:"))
		case in && ok && !strings.HasPrefix(text, "yaml-language-server"):
			para = append(para, text)
		case in:
			in = false
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
	}
	if para == nil {
		return nil, nil
	}
	out := map[string]want{}
	for _, sentence := range reSentence.Split(strings.Join(para, " "), -1) {
		m := reCheck.FindStringSubmatch(sentence)
		if m == nil {
			continue
		}
		switch {
		case strings.Contains(sentence, "liveness"):
			out[m[1]] = want{"none", "none"}
		case strings.Contains(sentence, "deadlock"):
			out[m[1]] = want{deadlock: "deadlock"}
		case reFails.MatchString(sentence):
			out[m[1]] = want{invariant: "invariant"}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no check and verdict in its Expected: paragraph %q", strings.Join(para, " "))
	}
	return out, nil
}

var (
	reSentence = regexp.MustCompile(`\.\s+`)
	reCheck    = regexp.MustCompile(`\b[Ii]n check (\w+)`)
	reFails    = regexp.MustCompile(`[\w.]+ fails\b`)
)
