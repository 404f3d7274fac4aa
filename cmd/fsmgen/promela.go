package main

import (
	"fmt"
	"strings"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

func promela(inv *invocation) error {
	config := inv.configFlag("the check configuration to render (default: the spec's default check)", "")
	out := inv.fs.String("o", "", "write the model to `FILE` (atomically) instead of standard output")
	s, err := inv.load(nil)
	if err != nil {
		return err
	}
	c, err := checkConfig(s, *config)
	if err != nil {
		return err
	}
	src, err := gen.Promela(s, c)
	if err != nil {
		return err
	}
	return inv.write(*out, src)
}

// checkConfig returns the check configuration called name, or the default one.
func checkConfig(s *spec.Spec, name string) (*spec.Check, error) {
	if c := s.Check(name); c != nil {
		return c, nil
	}
	var names []string
	for _, c := range s.Checks {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: the spec has no check configurations", s.File)
	}
	return nil, fmt.Errorf("%s: no check configuration %q: expected one of %s", s.File, name, strings.Join(names, ", "))
}
