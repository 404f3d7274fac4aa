package modelcheck

import (
	"testing"
)

// TestTCPVariants checks copies of spec/tcp.yaml (spec/testdata/tcp_*.yaml)
// with one defect each: every one must fail its check with the expected
// kind of violation after the expected number of steps (for a liveness
// violation, the steps before its cycle), and the counterexample must
// replay. tcp_baseline.yaml is the same copy without a defect: the checks
// that the defects fail pass on it.
func TestTCPVariants(t *testing.T) {
	for _, tc := range []struct {
		file, check string
		kind        Kind // violation expected; -1: all properties hold
		property    string
		depth       int
	}{
		{"tcp_baseline", "passive_server", -1, "", 0},
		{"tcp_baseline", "simultaneous", -1, "", 0},
		{"tcp_baseline", "lossy", -1, "", 0},
		{"tcp_no_retransmit", "lossy", Deadlock, "deadlock", 8},
		{"tcp_synrcvd_rst_closed", "passive_server", InvariantViolation, "passive_server_stays_open", 6},
		// TIME_WAIT's reasons (tcp.yaml's timed check time_wait): without
		// it, or with one MSL, a lost last ACK's retransmitted FIN meets a
		// reset; without an ISN clock, a FIN of a reset connection closes
		// the next incarnation, and with TIME_WAIT as long as a lifetime
		// so does one of a connection that closed through TIME_WAIT.
		{"tcp_no_time_wait", "time_wait", InvariantViolation, "close.acknowledged", 9},
		{"tcp_short_time_wait", "time_wait", InvariantViolation, "close.acknowledged", 14},
		{"tcp_fixed_isn", "time_wait", InvariantViolation, "old_segments.none_accepted", 12},
		{"tcp_fixed_isn", "time_wait_short", InvariantViolation, "old_segments.none_after_time_wait", 20},
		{"tcp_no_closing", "simultaneous", InvariantViolation, "simultaneous_close_progresses", 10},
		// Without CLOSING a simultaneous close over a lossy network never
		// settles: both peers retransmit FIN for ever (a fair lasso).
		{"tcp_no_closing", "lossy", LivenessViolation, "settles", 8},
		// tcp.yaml's simultaneous and reliable, whose network neither loses
		// nor drops: all_acknowledged (nothing in flight, no retransmission
		// timer running) fails without simultaneous open (both SYNs are
		// dropped), without CLOSING's acknowledgement of the peer's FIN, and
		// without the handshake's third segment.
		{"tcp_no_sim_open", "simultaneous", InvariantViolation, "all_acknowledged", 4},
		{"tcp_closing_no_ack", "simultaneous", InvariantViolation, "all_acknowledged", 10},
		{"tcp_no_final_ack", "reliable", InvariantViolation, "all_acknowledged", 4},
	} {
		t.Run(tc.file+"/"+tc.check, func(t *testing.T) {
			s, c := loadCheck(t, "../spec/testdata/"+tc.file+".yaml", tc.check)
			ck, res := run(t, s, c, Workers(2))
			v := res.Violation
			if tc.kind < 0 {
				if !res.OK() {
					t.Fatalf("want all properties to hold; got %v (%s)", v != nil, res.StopReason)
				}
				return
			}
			if v == nil {
				t.Fatal("no violation")
			}
			if v.Kind != tc.kind || v.Property != tc.property || v.Depth != tc.depth {
				t.Fatalf("got %s %s after %d steps, want %s %s after %d", v.Kind, v.Property, v.Depth, tc.kind, tc.property, tc.depth)
			}
			if err := ck.Confirm(v); err != nil {
				t.Errorf("replay: %v", err)
			}
		})
	}
}
