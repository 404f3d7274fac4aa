package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
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
		{[]string{"check", "--workers", "0"}, 2, "--workers"},
		{[]string{"check", "--max-states", "10", "--config", "lossy"}, 1, "incomplete"},
		{[]string{"check", "--list"}, 0, "(default)"},
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
