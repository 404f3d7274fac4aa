// Command fsmgen validates YAML state-machine specs, generates typed Go from
// them, renders them as TLA+, Promela and diagrams, and model-checks two
// communicating instances of a machine.
//
// Usage:
//
//	fsmgen COMMAND [flags] [spec.yaml]
//
// With no spec file, the embedded TCP spec (spec/tcp.yaml) is used.
// Exit status: 0 fine, 1 a property failed, 2 bad input or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. run parses its own flags from args and writes
// results to stdout and diagnostics to stderr.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands is filled by each subcommand's file in an init function.
var commands = map[string]command{}

// errUsage marks errors in how the command was invoked (exit 2).
var errUsage = errors.New("usage")

// errFailed marks a property that did not hold (exit 1); the details were already printed.
var errFailed = errors.New("property failed")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fsmgen: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFailed):
		return 1
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "fsmgen") && !errors.Is(err, errUsage) {
		// Spec errors already read "file:line:col: ..."; keep them first so editors jump.
		fmt.Fprintln(stderr, msg)
	} else {
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "fsmgen: "), errUsage.Error()+": ")
		fmt.Fprintln(stderr, "fsmgen:", msg)
	}
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: fsmgen COMMAND [flags] [spec.yaml]")
	fmt.Fprintln(w, "\nWith no spec file, the embedded TCP spec (spec/tcp.yaml) is used.\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'fsmgen COMMAND -h' for a command's flags. Exit status: 0 fine, 1 a property failed, 2 bad input or usage.")
}
