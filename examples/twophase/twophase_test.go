package twophase_test

import (
	"os"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// run model-checks check of s with two workers, past the first violation.
func run(t *testing.T, s *spec.Spec, check string) *modelcheck.Result {
	t.Helper()
	return fsmtest.Run(t, s, spectest.Check(t, s, check), modelcheck.Workers(2), modelcheck.Continue())
}

// TestVerdicts model-checks both checks of twophase.yaml with the verdicts
// its README states.
func TestVerdicts(t *testing.T) {
	s := spectest.Load(t, "twophase.yaml")
	safe := map[string]string{"agreement": "holds", "commit_follows_coordinator": "holds", "validity.no_commit_after_no": "holds"}
	for _, c := range []struct {
		check  string
		states uint64
		status map[string]string
	}{
		{"reliable", 269, map[string]string{"deadlock": "holds", "decided": "holds"}},
		{"lossy", 576, map[string]string{"deadlock": "violated"}},
	} {
		t.Run(c.check, func(t *testing.T) {
			r := run(t, s, c.check)
			if r.States != c.states {
				t.Errorf("%d states, expected %d", r.States, c.states)
			}
			got := fsmtest.Statuses(r)
			for _, status := range []map[string]string{safe, c.status} {
				for name, want := range status {
					if got[name] != want {
						t.Errorf("%s: %s, expected %s", name, got[name], want)
					}
				}
			}
		})
	}
}

// TestLastVoteBug breaks the coordinator: it decides on the last vote it
// receives, forgetting the first. Agreement and validity must fail, each
// with a counterexample in which one participant voted no.
func TestLastVoteBug(t *testing.T) {
	src, err := os.ReadFile("twophase.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for _, fix := range []string{"votes == 1 && all_yes && msg.yes", "votes == 1 && !(all_yes && msg.yes)"} {
		if !strings.Contains(text, fix) {
			t.Fatalf("twophase.yaml no longer has the guard %q", fix)
		}
	}
	text = strings.Replace(text, "votes == 1 && all_yes && msg.yes", "votes == 1 && msg.yes", 1)
	text = strings.Replace(text, "votes == 1 && !(all_yes && msg.yes)", "votes == 1 && !msg.yes", 1)
	s := spectest.Parse(t, "last_vote.yaml", []byte(text))
	r := run(t, s, "reliable")
	got := fsmtest.Statuses(r)
	for _, name := range []string{"agreement", "validity.no_commit_after_no"} {
		if got[name] != "violated" {
			t.Errorf("%s: %s, expected violated", name, got[name])
		}
	}
	if len(r.Violations) == 0 {
		t.Fatal("no counterexample")
	}
	for _, v := range r.Violations {
		if v.Trace == nil {
			t.Fatalf("%s: no trace", v.Property)
		}
		no := false
		for _, st := range v.Trace.Steps {
			no = no || st.Kind == "call" && st.Event == "NO"
		}
		if !no {
			t.Errorf("%s: the counterexample has no NO vote", v.Property)
		}
	}
}
