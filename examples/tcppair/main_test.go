package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestRun runs the pair on the real clock with short timers and a lossy
// network: it must end with both endpoints CLOSED.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the real clock")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		var out bytes.Buffer
		if err := run(&out, 5*time.Millisecond, 2*time.Millisecond, 0.3, seed); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, out.String())
		}
		if !strings.HasSuffix(out.String(), "both CLOSED\n") {
			t.Fatalf("seed %d: output does not end with both CLOSED:\n%s", seed, out.String())
		}
	}
}
