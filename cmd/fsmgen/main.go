// Command fsmgen validates YAML state-machine specs, generates typed Go from
// them, renders them as TLA+, Promela and diagrams, and model-checks two
// communicating instances of a machine.
//
// Usage:
//
//	fsmgen COMMAND [flags] [spec.yaml]
//
// With no spec file, the embedded TCP spec (spec/tcp.yaml, printed by
// `fsmgen spec`) is used; `-` reads the spec from standard input. Exit
// status: 0 fine, 1 a property failed or the search was incomplete, 2 bad
// input or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/fsmgen/fsmgen/gen"
)

// command is one subcommand.
type command struct {
	// args are its positional arguments, as its usage line shows them; a
	// command that takes any reads a spec and has the spec flags.
	args    string
	summary string
	// run declares the command's own flags on inv.fs, then parses and loads
	// (inv.load or inv.parse) and does its work.
	run func(inv *invocation) error
}

// commands are the subcommands by name.
var commands = map[string]command{
	"check":    {"[spec.yaml]", "model-check communicating peers over a network: invariants, deadlock, liveness", check},
	"dot":      {"[spec.yaml]", "render the state diagram as Graphviz DOT", diagram(gen.Dot)},
	"generate": {"[spec.yaml]", "generate typed Go from a spec (for go:generate)", generate},
	"mermaid":  {"[spec.yaml]", "render the state diagram as a Mermaid stateDiagram", diagram(gen.Mermaid)},
	"promela":  {"[spec.yaml]", "render a check configuration as a Promela model for SPIN", promela},
	"spec":     {"", "print the embedded TCP spec (spec/tcp.yaml), the one used when no spec file is given", printSpec},
	"tla":      {"-o DIR [spec.yaml]", "render check configurations as TLA+ modules with TLC configurations", tla},
	"trace":    {"[spec.yaml] TRACE.jsonl|-", "validate a recorded JSON-lines trace against the machine", traceCmd},
	"validate": {"[spec.yaml]", "check a spec and print a summary", validate},
}

// errUsage marks errors in how the command was invoked (exit 2).
var errUsage = errors.New("usage")

// errFailed marks a property that did not hold or a search that did not
// finish (exit 1); the details were already printed.
var errFailed = errors.New("property failed")

// stdin is where a spec argument of "-" is read from.
var stdin io.Reader = os.Stdin

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			if len(args) > 2 {
				fmt.Fprintf(stderr, "fsmgen help: one command at most, got %d arguments: %s\n", len(args)-1, strings.Join(args[1:], " "))
				return 2
			}
			if args[1] == "help" {
				usage(stdout)
				return 0
			}
			if _, ok := commands[args[1]]; ok {
				return run([]string{args[1], "-h"}, stdout, stderr)
			}
			fmt.Fprintf(stderr, "fsmgen: unknown command %q: 'fsmgen help' lists them\n", args[1])
			return 2
		}
		usage(stdout)
		return 0
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, version())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fsmgen: unknown command %q: 'fsmgen help' lists them\n", args[0])
		return 2
	}
	err := cmd.run(newInvocation(args[0], cmd, args[1:], stdout, stderr))
	var he *helpError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &he):
		he.fs.SetOutput(stdout)
		he.fs.Usage()
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
		fmt.Fprintf(stderr, "fsmgen %s: %s\n", args[0], msg)
		if errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "run 'fsmgen help %s' for its flags\n", args[0])
		}
	}
	return 2
}

// unversioned is the version a module has when a replace directive stands
// in for it: the placeholder its require names, never a release.
const unversioned = "v0.0.0-00010101000000-000000000000"

// version is what --version prints: the module's version (or "(devel)"),
// the VCS revision it was built from, and the Go version.
func version() string {
	v := "fsmgen (devel)"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	mod := &bi.Main
	switch {
	case mod.Replace != nil && (mod.Replace.Version == "" || mod.Replace.Version == "(devel)"):
		// Built from a local checkout that a replace directive names.
		v = "fsmgen (devel, " + mod.Replace.Path + ")"
	case mod.Version != "" && mod.Version != unversioned:
		v = "fsmgen " + mod.Version
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))] + modified
	}
	return v + " " + bi.GoVersion
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: fsmgen COMMAND [flags] [spec.yaml]")
	fmt.Fprintln(w, "\nWith no spec file, the embedded TCP spec (spec/tcp.yaml; 'fsmgen spec' prints it) is used;\n'-' reads the spec from standard input. Flags may come before or after the spec file.\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'fsmgen help COMMAND' for a command's flags, 'fsmgen --version' for the version.")
	fmt.Fprintln(w, "Exit status: 0 fine, 1 a property failed or the search was incomplete, 2 bad input or usage.")
}

// errUsagef is a usage error (exit 2).
func errUsagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}
