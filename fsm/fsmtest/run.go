package fsmtest

import (
	"context"
	"testing"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// Run model-checks check c of s with opts and returns the result, failing
// tb when the checker cannot be made or the search cannot run (a violated
// property is a result, not a failure).
func Run(tb testing.TB, s *spec.Spec, c *spec.Check, opts ...modelcheck.Option) *modelcheck.Result {
	tb.Helper()
	ck, err := modelcheck.New(s, c, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := ck.Run(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// Statuses maps the name of each property r reports to its status
// ("holds", "violated", "unknown").
func Statuses(r *modelcheck.Result) map[string]string {
	got := map[string]string{}
	for _, p := range r.Properties {
		got[p.Name] = p.Status
	}
	return got
}
