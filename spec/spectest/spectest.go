// Package spectest loads specs for tests: each helper fails the test on an
// error instead of returning it, so that a test begins with the spec it
// reads. It depends on package spec and the embedded TCP spec only, so the
// internal tests of every package but spec can use it.
package spectest

import (
	"testing"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
)

// Load loads the spec file at path with opts, failing tb on an error.
func Load(tb testing.TB, path string, opts ...spec.Option) *spec.Spec {
	tb.Helper()
	s, err := spec.Load(path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Parse parses src as the spec file name with opts, failing tb on an
// error.
func Parse(tb testing.TB, name string, src []byte, opts ...spec.Option) *spec.Spec {
	tb.Helper()
	s, err := spec.Parse(name, src, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TCP loads the embedded TCP spec, spec/tcp.yaml, with opts, failing tb on
// an error.
func TCP(tb testing.TB, opts ...spec.Option) *spec.Spec {
	tb.Helper()
	s, err := fsmgen.TCP(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Check returns s's check of the given name, failing tb when s has none.
func Check(tb testing.TB, s *spec.Spec, name string) *spec.Check {
	tb.Helper()
	c := s.Check(name)
	if c == nil {
		tb.Fatalf("%s has no check %s", s.File, name)
	}
	return c
}
