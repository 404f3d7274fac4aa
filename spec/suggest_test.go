package spec

import "testing"

func TestDidYouMean(t *testing.T) {
	names := []string{"ACK", "SYN_SENT", "retransmit", "time_wait", "PING", "PONG", "A", "B"}
	for _, c := range []struct{ name, want string }{
		{"ACKK", " (did you mean ACK?)"},          // a letter doubled
		{"SYN_SNET", " (did you mean SYN_SENT?)"}, // two letters swapped
		{"retransmitt", " (did you mean retransmit?)"},
		{"Time_Wait", " (did you mean time_wait?)"}, // case only
		{"a", " (did you mean A?)"},                 // case only, however short
		{"C", ""},                                   // short names: no guesses
		{"PANG", ""},                                // as close to PING as to PONG
		{"ESTABLISHED", ""},
	} {
		if got := didYouMean(c.name, names); got != c.want {
			t.Errorf("didYouMean(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}
