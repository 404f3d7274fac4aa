package spec_test

import (
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// neverFits has a row that sends two messages and one that replies two,
// into channels that hold one and block when full.
const neverFits = `messages: [REQ, ACK]
machines:
  c:
    calls: [GO]
    states: {A: {initial: true}}
    transitions:
      - {from: A, on: GO, send: [REQ, REQ]}
      - {from: A, on: recv ACK}
  s:
    states: {S: {initial: true}}
    transitions:
      - {from: S, on: recv REQ, reply: [ACK, ACK]}
checks:
  two:
    peers:
      c: {machine: c, calls: {GO: 1}}
      s: {machine: s}
    network: {capacity: CAP, full: block}
    terminal: "true"
`

// TestCheckWarnings: a row that overfills a blocking channel never fires,
// and a channels entry for a channel that never carries a message changes
// nothing; both are warned about at their positions, and neither when
// they do not apply.
func TestCheckWarnings(t *testing.T) {
	warnings := func(src string) []string {
		t.Helper()
		s := spectest.Parse(t, "w.yaml", []byte(src))
		var out []string
		for _, w := range s.Warnings {
			out = append(out, w.Error())
		}
		return out
	}
	got := warnings(strings.Replace(neverFits, "CAP", "1", 1))
	want := []string{
		"w.yaml:7:9: check two: peer c: this row never fires: it puts 2 messages into s, which holds 1 and blocks when full",
		"w.yaml:12:9: check two: peer s: this row never fires: it puts 2 messages into c, which holds 1 and blocks when full",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := warnings(strings.Replace(neverFits, "CAP", "2", 1)); len(got) != 0 {
		t.Errorf("capacity 2: warnings %q", got)
	}
	// Three peers: c never sends to b, so the channel from c to b is unused.
	mesh := `machine: node
messages: [PING]
calls: [GO]
states: {IDLE: {initial: true}}
transitions:
  - {from: IDLE, on: GO, send: PING}
  - {from: IDLE, on: recv PING}
checks:
  mesh:
    peers:
      a: {calls: {GO: 1}, sends_to: [b, c]}
      b: {sends_to: [c, a]}
      c: {sends_to: [a]}
    network: {capacity: 1}
    channels:
      b from c: {loss: true}
      c from b: {loss: true}
`
	// A peer set on the command line that needs sends_to says so.
	if _, err := spec.Parse("w.yaml", []byte(mesh), spec.Override("mesh", "peers.b", "{calls: {GO: 1}}")); err == nil ||
		!strings.Contains(err.Error(), "w.yaml:12:7: peer b needs sends_to") || !strings.Contains(err.Error(), "(from --set peers.b={calls: {GO: 1}})") {
		t.Errorf("--set peers.b without sends_to: %v", err)
	}
	got = warnings(mesh)
	if len(got) != 1 || got[0] != "w.yaml:16:7: check mesh channels: b from c never carries a message (its sender does not send or reply to b), so this changes nothing" {
		t.Errorf("mesh: warnings %q", got)
	}
}
