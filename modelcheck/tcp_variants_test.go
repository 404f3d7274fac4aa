package modelcheck

import (
	"testing"
)

// TestTCPVariants checks copies of spec/tcp.yaml (spec/testdata/tcp_*.yaml)
// with one defect each: every one must fail its check with the expected
// kind of violation, and the counterexample must replay. tcp_baseline.yaml is
// the same copy without a defect: the checks that the defects fail pass on it.
func TestTCPVariants(t *testing.T) {
	for _, tc := range []struct {
		file, check string
		kind        Kind // violation expected; -1: all properties hold
		property    string
	}{
		{"tcp_baseline", "passive_server", -1, ""},
		{"tcp_baseline", "simultaneous", -1, ""},
		{"tcp_baseline", "lossy", -1, ""},
		{"tcp_no_retransmit", "lossy", Deadlock, "deadlock"},
		{"tcp_synrcvd_rst_closed", "passive_server", InvariantViolation, "passive_server_stays_open"},
		// TIME_WAIT's reasons (tcp.yaml's timed check time_wait): without
		// it, or with one MSL, a lost last ACK's retransmitted FIN meets a
		// reset; without an ISN clock, a FIN of a reset connection closes
		// the next incarnation, and with TIME_WAIT as long as a lifetime
		// so does one of a connection that closed through TIME_WAIT.
		{"tcp_no_time_wait", "time_wait", InvariantViolation, "close.acknowledged"},
		{"tcp_short_time_wait", "time_wait", InvariantViolation, "close.acknowledged"},
		{"tcp_fixed_isn", "time_wait", InvariantViolation, "old_segments.none_accepted"},
		{"tcp_fixed_isn", "time_wait_short", InvariantViolation, "old_segments.none_after_time_wait"},
		{"tcp_no_closing", "simultaneous", InvariantViolation, "simultaneous_close_progresses"},
		// Without CLOSING a simultaneous close over a lossy network never
		// settles: both peers retransmit FIN for ever (a fair lasso).
		{"tcp_no_closing", "lossy", LivenessViolation, "settles"},
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
			if v.Kind != tc.kind || v.Property != tc.property {
				t.Fatalf("got %s %s, want %s %s", v.Kind, v.Property, tc.kind, tc.property)
			}
			if err := ck.Confirm(v); err != nil {
				t.Errorf("replay: %v", err)
			}
		})
	}
}
