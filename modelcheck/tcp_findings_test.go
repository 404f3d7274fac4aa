package modelcheck

import (
	"slices"
	"testing"

	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestTCPStaleReset records the limit of a TCP abstraction without sequence
// numbers (spec/testdata/tcp_unsequenced.yaml, tcp.yaml before them) that
// the checker finds: with duplication, the RST a closed server sends in reply
// to a duplicated SYN can arrive after the retransmitted SYN has opened the
// connection, and reset it. Real TCP, and spec/tcp.yaml, reject that RST by
// its sequence number (RFC 9293 §3.10.7.4). The server, already closing, is
// then left in FIN_WAIT_2 for ever: a deadlock short of both sides closed.
func TestTCPStaleReset(t *testing.T) {
	s := spectest.Load(t, "../spec/testdata/tcp_unsequenced.yaml")
	c := *s.Check("lossy")
	c.Channels = slices.Clone(c.Channels) // the copy's channels are its own
	for i, ch := range c.Channels {
		dup := *ch
		dup.Capacity, dup.Duplicate = 3, true
		c.Channels[i] = &dup
	}
	c.Eventually = nil
	ck, res := run(t, s, &c, Workers(2))
	v := res.Violation
	if v == nil || v.Kind != Deadlock {
		t.Fatalf("want a deadlock, got %+v", v)
	}
	if err := ck.Confirm(v); err != nil {
		t.Fatal(err)
	}
	var dupSYN, staleRST bool
	for _, st := range v.Trace.Steps {
		switch {
		case st.Kind == "duplicate" && st.Message == "SYN":
			dupSYN = true
		case st.Kind == "deliver" && st.Message == "RST" && st.Error == "connection reset":
			staleRST = true
		}
	}
	last := v.Trace.Steps[len(v.Trace.Steps)-1].State
	if !dupSYN || !staleRST {
		t.Errorf("the shortest deadlock is not the stale reset (duplicated SYN %v, reset %v):\n%+v", dupSYN, staleRST, v.Trace.Steps)
	}
	t.Logf("deadlock after %d steps; final state %+v", v.Depth, last)
}
