package main

import (
	"io"

	"github.com/fsmgen/fsmgen"
)

func init() {
	commands["spec"] = command{"print the embedded TCP spec (spec/tcp.yaml), the one used when no spec file is given", printSpec}
}

func printSpec(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("spec", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsagef("fsmgen spec takes no arguments, got %d", fs.NArg())
	}
	_, err := stdout.Write(fsmgen.TCPSource())
	return err
}
