package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeveralMachines runs the commands that take a machine on specs that
// declare several: each names them, and refuses to guess.
func TestSeveralMachines(t *testing.T) {
	const rr, abp = "../../examples/reqresp/reqresp.yaml", "../../examples/abp/abp.yaml"
	code, out, _ := runCLI(t, "validate", abp)
	if code != 0 || !strings.HasPrefix(out, abp+": 2 machines (sender, receiver), 2 messages (10 with their field values), 3 checks\n") ||
		!strings.Contains(out, "\n  machine receiver: 1 state, ") {
		t.Errorf("validate: exit %d\n%s", code, out)
	}
	for _, cmd := range [][]string{{"generate"}, {"dot"}, {"mermaid"}} {
		code, _, errOut := runCLI(t, append(cmd, rr)...)
		if code != 2 || !strings.Contains(errOut, "the spec declares 2 machines: name one of client, server") {
			t.Errorf("%s without --machine: exit %d, stderr %q", cmd[0], code, errOut)
		}
		code, _, errOut = runCLI(t, append(cmd, "--machine", "nope", rr)...)
		if code != 2 || !strings.Contains(errOut, `no machine "nope": expected one of client, server`) {
			t.Errorf("%s --machine nope: exit %d, stderr %q", cmd[0], code, errOut)
		}
	}
	dir := t.TempDir()
	out2 := filepath.Join(dir, "server.go")
	if code, _, errOut := runCLI(t, "generate", "--machine", "server", "-pkg", "server", "-o", out2, rr); code != 0 {
		t.Fatalf("generate --machine server: exit %d: %s", code, errOut)
	}
	if b, err := os.ReadFile(out2); err != nil || !strings.Contains(string(b), "StateServing State = iota") {
		t.Errorf("generated server: %v", err)
	}
	// Message fields: the sender gets a constructor and accessor for DATA.
	out3 := filepath.Join(dir, "sender.go")
	code, _, errOut := runCLI(t, "generate", "--machine", "sender", "-o", out3, abp)
	if b, err := os.ReadFile(out3); code != 0 || err != nil || !strings.Contains(string(b), "func Data(bit bool, item int) Message") ||
		!strings.Contains(string(b), "func (m Message) Data() (f DataFields, ok bool)") {
		t.Errorf("generate of a machine with message fields: exit %d, stderr %q, %v", code, errOut, err)
	}
	if code, out, _ := runCLI(t, "check", "--config", "reordering", "--mermaid=false", abp); code != 1 ||
		!strings.Contains(out, "invariant delivery.in_order (!wrong) is violated after 7 steps") ||
		!strings.Contains(out, "| delivery {delivered=3 wrong=true}") {
		t.Errorf("check reordering: exit %d\n%s", code, out)
	}
}
