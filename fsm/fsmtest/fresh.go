package fsmtest

import (
	"bytes"
	"os"
	"path"
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

// FreshPackages fails t when the checked-in packages generated from s, a
// spec of several machines, differ from a fresh generation: the messages
// package msg/msg.go and one package NAME/NAME.go for each machine, below
// the test's directory, whose import path is pkg. source is the spec's path
// in the module, which the generated headers name; go generate in its
// directory brings the packages up to date.
func FreshPackages(t testing.TB, s *spec.Spec, pkg, source string) {
	t.Helper()
	command := "go generate ./" + path.Dir(source)
	Fresh(t, s, gen.GoOptions{MessagesOnly: true, Package: "msg", Source: source}, "msg/msg.go", command)
	for _, m := range s.Machines {
		Fresh(t, s, gen.GoOptions{Machine: m.Name, Package: m.Name, Messages: pkg + "/msg", Source: source}, m.Name+"/"+m.Name+".go", command)
	}
}
