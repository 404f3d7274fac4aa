package spec

import "testing"

func TestDidYouMean(t *testing.T) {
	names := []string{"ACK", "SYN_SENT", "retransmit", "time_wait", "PING", "PONG", "A", "B"}
	self := func(s string) string { return s }
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
		hints := 1
		if got := didYouMean(&hints, c.name, names, self); got != c.want {
			t.Errorf("didYouMean(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestDidYouMeanBudget: a file's suggestions stop once its budget is spent.
func TestDidYouMeanBudget(t *testing.T) {
	hints := 1
	self := func(s string) string { return s }
	if didYouMean(&hints, "ACKK", []string{"ACK"}, self) == "" || didYouMean(&hints, "ACKK", []string{"ACK"}, self) != "" {
		t.Error("want one suggestion, then none")
	}
}
