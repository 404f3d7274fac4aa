package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/trace"
)

// TestValidatorBites shows that the suite can fail: a real Linux trace is
// rejected by a spec with one row changed, and a real trace with one
// line added is rejected by spec/tcp.yaml, each at the line concerned.
func TestValidatorBites(t *testing.T) {
	var target Scenario
	for _, s := range Scenarios {
		if s.Name == "connect_to_closed_port" {
			target = s
		}
	}
	out := runScenario(t, target)
	if !out.Result.OK() {
		t.Fatal("the recorded trace does not conform to begin with")
	}
	lines := strings.Split(strings.TrimSpace(string(out.TraceJSON)), "\n")
	resetLine := 0
	for i, l := range lines {
		if strings.Contains(l, `"event":"recv RST"`) {
			resetLine = i + 1
		}
	}
	if resetLine == 0 {
		t.Fatalf("no recv RST line in\n%s", out.TraceJSON)
	}

	// A spec whose SYN_SENT ignores a reset.
	src := string(fsmgen.TCPSource())
	row := "  - from: SYN_SENT\n    on: recv RST\n    to: CLOSED\n"
	if !strings.Contains(src, row) {
		t.Fatal("spec/tcp.yaml no longer has the SYN_SENT + recv RST row this test edits")
	}
	wrong, err := spec.Parse("wrong.yaml", []byte(strings.Replace(src, row, "  - from: SYN_SENT\n    on: recv RST\n    to: LISTEN\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := trace.Validate(wrong, bytes.NewReader(out.TraceJSON), "linux.jsonl", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertDiverges(t, res, resetLine, "the spec goes to LISTEN")

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
