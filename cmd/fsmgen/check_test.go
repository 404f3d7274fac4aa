package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec/spectest"
)

func TestCheckCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout (or stderr for exit 2)
	}{
		{[]string{"check", "--workers", "2"}, 0, "all properties hold"},
		{[]string{"check", "--config", "basic", "../../modelcheck/testdata/toggle.yaml"}, 1, "sequenceDiagram"},
		{[]string{"check", "--config", "overflow", "../../modelcheck/testdata/counter.yaml"}, 1, "is violated after 2 steps"},
		{[]string{"check", "--config", "nosuch"}, 2, "no check configuration"},
		{[]string{"check", "--max-memory", "lots"}, 2, "bad size"},
		{[]string{"check", "--max-memory", "1MiB"}, 2, "--max-memory 1MiB is below the 16MiB a search needs at least"},
		{[]string{"help", "check"}, 0, "e.g. 4GiB (at least 16MiB);"},
		{[]string{"check", "--workers", "0"}, 2, "--workers"},
		{[]string{"check", "--max-states", "10", "--config", "lossy"}, 1, "incomplete"},
		{[]string{"check", "--list"}, 0, "(default)"},
		{[]string{"check", "--list", "--all"}, 2, "--list lists every check configuration and runs none"},
		{[]string{"check", "--list", "--config", "lossy"}, 2, "--list lists every check configuration and runs none"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String()+errb.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, out.String(), errb.String())
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"check", "--json", "--config", "overflow", "../../modelcheck/testdata/counter.yaml"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		States    int `json:"states"`
		Violation struct {
			Kind  string `json:"kind"`
			Trace struct {
				Steps []struct {
					Action string `json:"action"`
				} `json:"steps"`
			} `json:"trace"`
		} `json:"violation"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Violation.Kind != "invariant" || len(res.Violation.Trace.Steps) != 2 {
		t.Errorf("got %+v", res)
	}
}

// TestCheckListJSON: --list --json lists the check configurations as JSON,
// in the spec's order, the default marked.
func TestCheckListJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"check", "--list", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var got []struct {
		Name    string `json:"name"`
		Default bool   `json:"default"`
		Doc     string `json:"doc"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := spectest.TCP(t)
	if len(got) != len(s.Checks) {
		t.Fatalf("%d configurations listed, the spec has %d", len(got), len(s.Checks))
	}
	for i, c := range s.Checks {
		if got[i].Name != c.Name || got[i].Default != c.Default || got[i].Doc == "" {
			t.Errorf("entry %d = %+v, want %s (default %v) with its doc", i, got[i], c.Name, c.Default)
		}
	}
}
