package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec/spectest"
	"github.com/fsmgen/fsmgen/trace"
)

// TestValidatorBites shows that the suite can fail: a real Linux trace is
// rejected by a spec with one row changed (the reset a closed port sends
// to a SYN), and a real trace with one line added is rejected by
// spec/tcp.yaml, each at the line concerned.
func TestValidatorBites(t *testing.T) {
	out, lines := recorded(t, "connect_to_closed_port")
	resetLine, synLine := 0, 0
	for i, l := range lines {
		if strings.Contains(l, `"event":"recv RST_ACK"`) {
			resetLine = i + 1
		}
		if strings.Contains(l, `"event":"recv SYN"`) {
			synLine = i + 1
		}
	}
	if resetLine == 0 || synLine == 0 {
		t.Fatalf("no recv RST_ACK or recv SYN line in\n%s", out.TraceJSON)
	}

	// A spec whose CLOSED answers a SYN with a bare reset, which SYN_SENT
	// cannot accept (it has no ACK to check).
	src := string(fsmgen.TCPSource())
	row := "  - from: CLOSED\n    on: recv SYN\n    send: {RST_ACK: {ack: msg.seq}}\n"
	if !strings.Contains(src, row) {
		t.Fatal("spec/tcp.yaml no longer has the CLOSED + recv SYN row this test edits")
	}
	wrong := spectest.Parse(t, "wrong.yaml", []byte(strings.Replace(src, row, "  - from: CLOSED\n    on: recv SYN\n    send: {RST: {seq: msg.seq}}\n", 1)))
	res, err := trace.Validate(wrong, bytes.NewReader(out.TraceJSON), "linux.jsonl", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertDiverges(t, res, synLine, "the spec sends RST(seq=false)")

	// The real trace with a TIME_WAIT expiry that cannot have happened, after the reset.
	var first trace.Line
	if err := json.Unmarshal([]byte(lines[resetLine-1]), &first); err != nil {
		t.Fatal(err)
	}
	bogus, _ := json.Marshal(trace.Line{ID: first.ID, Event: "timeout time_wait"})
	edited := append(append(append([]string(nil), lines[:resetLine]...), string(bogus)), lines[resetLine:]...)
	res, err = trace.Validate(tcpSpec(t), strings.NewReader(strings.Join(edited, "\n")), "edited.jsonl", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertDiverges(t, res, resetLine+1, "timer time_wait is not armed")
}

// TestObservedCallsBite: a recorded trace declares every call observed,
// so a state change no event but an unrecorded call explains is rejected
// at its line, where a search free to insert calls would have accepted it
// (a whole new incarnation inside one line, say).
func TestObservedCallsBite(t *testing.T) {
	out, lines := recorded(t, "client_active_close")
	// The first line of the instance that observes state (the client's SYN_SENT,
	// the server child's LAST_ACK), by its state and the state before it.
	find := func(prev, state string) int {
		last := map[string]string{}
		for i, l := range lines[1:] {
			var tl trace.Line
			if err := json.Unmarshal([]byte(l), &tl); err != nil {
				t.Fatal(err)
			}
			if tl.State == "" {
				continue
			}
			if last[tl.ID] == prev && tl.State == state && tl.Event == "" {
				return i + 2
			}
			last[tl.ID] = tl.State
		}
		t.Fatalf("no line observing %s after %s in\n%s", state, prev, out.TraceJSON)
		return 0
	}
	for _, c := range []struct{ prev, state, wrong, why string }{
		{"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "only a path with unobserved calls reaches it: recv ACK_FIN"},
		{"SYN_SENT", "ESTABLISHED", "LISTEN", "only a path with unobserved calls reaches it: recv RST_ACK"},
	} {
		at := find(c.prev, c.state)
		edited := append([]string(nil), lines...)
		edited[at-1] = strings.Replace(edited[at-1], `"state":"`+c.state+`"`, `"state":"`+c.wrong+`"`, 1)
		res, err := trace.Validate(tcpSpec(t), strings.NewReader(strings.Join(edited, "\n")), "edited.jsonl", trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		assertDiverges(t, res, at, c.why)
		// Without the header, the search may insert calls, and explains it.
		res, err = trace.Validate(tcpSpec(t), strings.NewReader(strings.Join(edited[1:], "\n")), "edited.jsonl", trace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() {
			var b strings.Builder
			res.Write(&b, true)
			t.Errorf("%s→%s without the header: not accepted\n%s", c.prev, c.wrong, b.String())
		}
	}
}

// recorded runs the scenario name and returns its outcome, whose trace
// must conform, and the trace's lines.
func recorded(t *testing.T, name string) (*Outcome, []string) {
	t.Helper()
	for _, s := range Scenarios {
		if s.Name == name {
			out := runScenario(t, s)
			if !out.Result.OK() {
				t.Fatal("the recorded trace does not conform to begin with")
			}
			return out, strings.Split(strings.TrimSpace(string(out.TraceJSON)), "\n")
		}
	}
	t.Fatalf("no scenario %s", name)
	return nil, nil
}

func assertDiverges(t *testing.T, res *trace.Result, line int, reason string) {
	t.Helper()
	var got []string
	for _, in := range res.Instances {
		if d := in.Divergence; d != nil {
			if d.Line == line && strings.Contains(d.Reason, reason) {
				return
			}
			got = append(got, fmt.Sprintf("%s: line %d: %s", in.ID, d.Line, d.Reason))
		}
	}
	var b strings.Builder
	res.Write(&b, true)
	t.Fatalf("want a divergence at line %d (%s); got %v\n%s", line, reason, got, b.String())
}
