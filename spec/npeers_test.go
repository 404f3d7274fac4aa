package spec

import (
	"strings"
	"testing"
)

const sinkSpec = `messages: [PUB]
machines:
  pub:
    calls: [GO]
    states: {A: {initial: true}}
    transitions:
      - {from: A, on: GO, send: PUB}
  sink:
    states: {S: {initial: true}}
    transitions:
      - {from: S, on: recv PUB}
checks:
  three:
    peers:
      p: {machine: pub, calls: {GO: 1}, sends_to: [k, j]}
      k: {machine: sink, sends_to: [p]}
      j: {machine: sink}
    network: {capacity: 1}
    terminal: "true"
    invariants:
      bounded: "10 / (3 - len(net)) > 0"
`

// TestSendsTo: the channels of a three-peer check, which of them carry
// messages, the range of len(net) (only those channels count), and the
// warning for a sends_to that a machine never uses.
func TestSendsTo(t *testing.T) {
	s := mustParse(t, "sink.yaml", sinkSpec)
	c := s.Check("three")
	if len(c.Channels) != 6 {
		t.Fatalf("%d channels, want 6", len(c.Channels))
	}
	var carry []string
	for _, ch := range c.Channels {
		if c.Carries(ch) {
			carry = append(carry, c.ChannelName(ch))
		}
	}
	if got := strings.Join(carry, ", "); got != "k from p, j from p" {
		t.Errorf("channels that carry: %s, want k from p, j from p", got)
	}
	if lo, hi := Range(&Count{To: -1}, s, c); lo != 0 || hi != 2 {
		t.Errorf("len(net) ranges over %d..%d, want 0..2", lo, hi)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0].Error(), "sink.yaml:16:36: peer k sends_to: machine sink never sends") {
		t.Errorf("warnings %v, want one for k's sends_to at 16:36", s.Warnings)
	}
	// With every channel counted, 3 - len(net) could be zero.
	bad := strings.Replace(sinkSpec, "j: {machine: sink}", "j: {machine: pub, calls: {GO: 1}, sends_to: [k]}", 1)
	if _, err := Parse("sink.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "zero") {
		t.Errorf("with three channels in use, 3 - len(net) can be zero; got %v", err)
	}
}
