package proptest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// Histories that properties once found, kept as regression tests.

// TestTimeWaitRegressions replays the shrunk counterexamples of the broken
// copies: each must fail there and pass on the real spec, on the IR machine
// and on the generated fsm/tcp Machine.
func TestTimeWaitRegressions(t *testing.T) {
	for _, c := range []struct {
		broken string
		h      History
	}{
		{"tcp_timewait_1msl.yaml", History{
			Call("ACTIVE_OPEN"),
			Recv("SYN_ACK(seq=false, ack=false)"),
			Call("CLOSE"),
			Recv("FIN_ACK(seq=false, ack=false)"),
			Advance(2 * time.Minute),
		}},
		{"tcp_timewait_fin_no_restart.yaml", History{
			Call("ACTIVE_OPEN"),
			Recv("SYN_ACK(seq=false, ack=false)"),
			Call("CLOSE"),
			Recv("FIN(seq=false, ack=false)"),
			Recv("ACK_FIN(seq=false, ack=false)"),
			Advance(1 * time.Nanosecond),
			Recv("FIN_ACK(seq=false, ack=false)"),
			Advance(4 * time.Minute),
		}},
	} {
		broken := spectest.Load(t, filepath.Join("testdata", c.broken))
		if msg := CheckTimeWait(broken, NewIRMachine(broken), c.h); msg == "" {
			t.Errorf("%s: the history no longer fails", c.broken)
		}
		s := spectest.TCP(t)
		if msg := CheckTimeWait(s, NewIRMachine(s), c.h); msg != "" {
			t.Errorf("%s history on spec/tcp.yaml (IR machine): %s", c.broken, msg)
		}
		if msg := CheckTimeWait(s, newTCP, c.h); msg != "" {
			t.Errorf("%s history on fsm/tcp: %s", c.broken, msg)
		}
	}
}

// TestTimeWaitReentry: TIME_WAIT entered again soon after it ended on its
// timer. The expired time_wait timer stays armed in CLOSED (no row stops
// it), so the Machine runs it again a full period later; the next entry to
// TIME_WAIT uses `start: time_wait`, which leaves a running timer alone,
// and TIME_WAIT ends early.
func TestTimeWaitReentry(t *testing.T) {
	h := History{
		Call("ACTIVE_OPEN"), Recv("SYN_ACK(seq=false, ack=false)"), Call("CLOSE"), Recv("FIN_ACK(seq=false, ack=false)"),
		Advance(4 * time.Minute), // TIME_WAIT ends on its timer
		Advance(1 * time.Minute),
		// The second open takes the next ISN (2: true), which the peer acknowledges.
		Call("ACTIVE_OPEN"), Recv("SYN_ACK(seq=false, ack=true)"), Call("CLOSE"), Recv("FIN_ACK(seq=false, ack=true)"),
		Advance(4 * time.Minute),
	}
	if msg := CheckTimeWait(spectest.TCP(t), newTCP, h); msg != "" {
		t.Errorf("fsm/tcp: %s\nhistory:\n%s", msg, h.GoString())
	}
}

// TestFormatDoubleNegation: spec.Format writes the guard -(-x) < 1 as
// "--x < 1", which is not an expression (-- is Go's decrement), so the
// formatted spec does not parse. Found by TestRoundTrip.
func TestFormatDoubleNegation(t *testing.T) {
	src := []byte("machine: m\nvars: {x: {type: int, min: 0, max: 3}}\ncalls: [GO]\nstates: {A: {initial: true}}\ntransitions:\n  - {from: A, on: GO, if: \"-(-x) < 1\"}\n")
	s := spectest.Parse(t, "neg.yaml", src)
	out, err := spec.Format(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spec.Parse("neg.yaml", out); err != nil {
		t.Errorf("the formatted spec does not parse: %v\n%s", err, out)
	}
}
