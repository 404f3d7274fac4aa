package main

import "github.com/fsmgen/fsmgen/gen"

func promela(inv *invocation) error {
	config := inv.configFlag("the `NAME` of the check configuration to render (default: the spec's default check)", "")
	out := inv.fs.String("o", "", "write the model to `FILE` (atomically) instead of standard output")
	s, err := inv.load(nil)
	if err != nil {
		return err
	}
	c, err := pickCheck(s, *config)
	if err != nil {
		return err
	}
	src, err := gen.Promela(s, c)
	if err != nil {
		return err
	}
	return inv.write(*out, src)
}
