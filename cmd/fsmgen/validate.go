package main

import (
	"fmt"
	"io"
)

func init() {
	commands["validate"] = command{"check a spec and print a summary", validate}
}

func validate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "[spec.yaml]", stderr)
	sf := addSpecFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := sf.load(fs)
	if err != nil {
		return err
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", w.Pos, w.Msg)
	}
	if len(s.Warnings) > 0 && fs.NArg() == 0 {
		fmt.Fprintln(stderr, embeddedNote(fs))
	}
	fmt.Fprintf(stdout, "%s: machine %s: %s, %s (%s, %s, %s), %s, %s, %s\n", s.File, s.Name,
		count(len(s.States), "state"), count(len(s.Events), "event"), count(len(s.Calls), "call"),
		count(len(s.Messages), "message"), count(len(s.Timers), "timer"), count(len(s.Rows), "transition"),
		count(len(s.Vars), "variable"), count(len(s.Checks), "check"))
	return nil
}

// count renders n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
