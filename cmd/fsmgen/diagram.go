package main

import (
	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

// diagram is a command that draws a machine's state diagram with render.
func diagram(render func(*spec.Machine, gen.DiagramOptions) []byte) func(*invocation) error {
	return func(inv *invocation) error {
		machine := inv.fs.String("machine", "", "the `NAME` of the machine to draw, when the spec declares several")
		out := inv.fs.String("o", "", "write to `FILE` (replaced atomically); default standard output")
		self := inv.fs.Bool("self", true, "draw rows that stay in their state (retransmissions, errors)")
		s, err := inv.load(nil)
		if err != nil {
			return err
		}
		m, err := s.SelectMachine(*machine)
		if err != nil {
			return err // it names the spec's position first
		}
		data := render(m, gen.DiagramOptions{Source: moduleRelative(s.File), HideSelfLoops: !*self})
		return inv.write(*out, data)
	}
}
