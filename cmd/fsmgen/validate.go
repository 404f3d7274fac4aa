package main

import (
	"fmt"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

func validate(inv *invocation) error {
	s, err := inv.load(nil)
	if err != nil {
		return err
	}
	printWarnings(inv.stderr, s)
	if len(s.Warnings) > 0 && inv.fs.NArg() == 0 {
		fmt.Fprintln(inv.stderr, embeddedNote(inv.fs))
	}
	if s.Machine != nil {
		fmt.Fprintf(inv.stdout, "%s: machine %s, %s\n", s.File, machineSummary(s.Machine), count(len(s.Checks), "check"))
		return nil
	}
	msgs := count(len(s.Messages), "message")
	if len(s.Letters) > len(s.Messages) {
		msgs += fmt.Sprintf(" (%d with their field values)", len(s.Letters))
	}
	fmt.Fprintf(inv.stdout, "%s: %s (%s), %s, %s\n", s.File, count(len(s.Machines), "machine"), machineNames(s),
		msgs, count(len(s.Checks), "check"))
	for _, m := range s.Machines {
		fmt.Fprintf(inv.stdout, "  machine %s\n", machineSummary(m))
	}
	return nil
}

// machineSummary counts what machine m declares.
func machineSummary(m *spec.Machine) string {
	return fmt.Sprintf("%s: %s, %s (%s, %s, %s), %s, %s", m.Name,
		count(len(m.States), "state"), count(len(m.Events), "event"), count(len(m.Calls), "call"),
		count(len(m.Messages), "message"), count(len(m.Timers), "timer"), count(len(m.Rows), "transition"),
		count(len(m.Vars), "variable"))
}

func machineNames(s *spec.Spec) string {
	var names []string
	for _, m := range s.Machines {
		names = append(names, m.Name)
	}
	return strings.Join(names, ", ")
}

// count renders n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
