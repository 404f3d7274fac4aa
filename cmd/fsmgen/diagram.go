package main

import (
	"io"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

func init() {
	commands["dot"] = command{"render the state diagram as Graphviz DOT", func(args []string, stdout, stderr io.Writer) error {
		return diagram("dot", gen.Dot, args, stdout, stderr)
	}}
	commands["mermaid"] = command{"render the state diagram as a Mermaid stateDiagram", func(args []string, stdout, stderr io.Writer) error {
		return diagram("mermaid", gen.Mermaid, args, stdout, stderr)
	}}
}

func diagram(name string, render func(*spec.Machine, gen.DiagramOptions) []byte, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(name, "[spec.yaml]", stderr)
	machine := fs.String("machine", "", "the machine to draw, when the spec declares several")
	out := fs.String("o", "", "write to `FILE` (replaced atomically); default standard output")
	self := fs.Bool("self", true, "draw rows that stay in their state (retransmissions, errors)")
	sf := addSpecFlags(fs)
	s, err := sf.parseAndLoad(fs, args, nil)
	if err != nil {
		return err
	}
	m, err := s.SelectMachine(*machine)
	if err != nil {
		return err // it names the spec's position first
	}
	data := render(m, gen.DiagramOptions{Source: moduleRelative(s.File), HideSelfLoops: !*self})
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	return writeAtomic(*out, data)
}
