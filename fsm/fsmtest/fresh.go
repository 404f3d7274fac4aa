package fsmtest

import (
	"bytes"
	"os"
	"testing"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

// Fresh fails t when the checked-in file path differs from what fsmgen
// generate writes for s with options o, naming the command (such as "go
// generate ./fsm/tcp") that brings it up to date.
func Fresh(t testing.TB, s *spec.Spec, o gen.GoOptions, path, command string) {
	t.Helper()
	want, err := gen.Go(s, o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: it differs from a fresh generation from %s; run %s", path, o.Source, command)
	}
}
