package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
)

// specFlags are the flags of every command that reads a spec.
type specFlags struct {
	params paramFlags
	sets   setFlags
	strict bool
	// config is --config, in the commands that have it: the check
	// configuration --set applies to. Without it --set applies to unset:
	// "" the default configuration, "*" all of them.
	config *string
	unset  string
}

// paramFlags collects repeated --param NAME=DURATION flags.
type paramFlags []spec.Option

func (p *paramFlags) String() string { return "" }

func (p *paramFlags) Set(v string) error {
	name, val, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=DURATION, such as MSL=30s")
	}
	d, err := time.ParseDuration(val)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration: --param sets the spec's params (timer durations); --set FIELD=VALUE sets a check field such as network.capacity=3", val)
	}
	*p = append(*p, spec.WithParam(name, d))
	return nil
}

// setFlags collects repeated --set FIELD=VALUE overrides of check fields.
type setFlags []string

func (s *setFlags) String() string { return "" }

func (s *setFlags) Set(v string) error {
	path, _, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(path) == "" {
		return fmt.Errorf("want FIELD=VALUE, such as network.capacity=6 or peers.client.calls.CLOSE=2")
	}
	*s = append(*s, v)
	return nil
}

// helpError asks run to print fs's usage to stdout (exit 0).
type helpError struct{ fs *flag.FlagSet }

func (h *helpError) Error() string { return flag.ErrHelp.Error() }
func (h *helpError) Unwrap() error { return flag.ErrHelp }

// invocation is one run of a command: its flag set, with the spec flags
// when the command reads a spec, its arguments and where it writes.
type invocation struct {
	fs             *flag.FlagSet
	sf             *specFlags // nil when the command reads no spec
	args           []string
	stdout, stderr io.Writer
}

func newInvocation(name string, cmd command, args []string, stdout, stderr io.Writer) *invocation {
	inv := &invocation{fs: newFlagSet(name, cmd), args: args, stdout: stdout, stderr: stderr}
	if cmd.args != "" {
		inv.sf = addSpecFlags(inv.fs)
	}
	return inv
}

// newFlagSet makes a flag set whose errors are usage errors (exit 2). Its
// usage text goes to stdout when asked for (-h) and nowhere when a flag is
// bad: run then prints the error once, with a pointer to the help.
var flagLineRE = regexp.MustCompile(`(?m)^(  )-`)

func newFlagSet(name string, cmd command) *flag.FlagSet {
	fs := flag.NewFlagSet("fsmgen "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: fsmgen %s [flags] %s\n\n", name, cmd.args)
		fmt.Fprintf(w, "%s.\n", strings.ToUpper(cmd.summary[:1])+cmd.summary[1:])
		fmt.Fprint(w, "Flags may come before or after the spec file; with no spec file the embedded TCP spec is used, '-' reads standard input.\n\nflags:\n")
		// PrintDefaults writes -name; the documented style is --name.
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(w)
		fmt.Fprint(w, flagLineRE.ReplaceAllString(b.String(), "$1--"))
	}
	return fs
}

// parse parses the arguments, flags and positional arguments in any order
// (a lone "--" ends the flags); a bad flag is a usage error.
func (inv *invocation) parse() error {
	fs, args := inv.fs, inv.args
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return &helpError{fs}
			}
			return errUsagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments as fs.Args.
	return fs.Parse(append([]string{"--"}, pos...))
}

func addSpecFlags(fs *flag.FlagSet) *specFlags {
	f := &specFlags{}
	fs.Var(&f.params, "param", "override a spec param, as `NAME=DURATION` (repeatable), e.g. --param MSL=30s")
	fs.Var(&f.sets, "set", "override a field of the check configuration, as `FIELD=VALUE` (repeatable), e.g.\n--set network.capacity=6 --set peers.client.calls.CLOSE=2")
	fs.BoolVar(&f.strict, "strict", false, "treat warnings (unreachable states, events that never fire) as errors")
	return f
}

// configFlag declares --config, the check configuration the command works
// on, which --set then applies to; without --config, --set applies to
// unset ("" the default configuration, "*" all of them).
func (inv *invocation) configFlag(usage, unset string) *string {
	inv.sf.config, inv.sf.unset = inv.fs.String("config", "", usage), unset
	return inv.sf.config
}

// load parses the arguments, then runs ready (when not nil: the command's
// checks of its own flags), then loads the spec the arguments name. A
// usage error in the arguments is reported before anything in the spec.
func (inv *invocation) load(ready func() error) (*spec.Spec, error) {
	if err := inv.parse(); err != nil {
		return nil, err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return nil, err
		}
	}
	return inv.sf.load(inv.fs)
}

// options are the loader options of --param and --strict.
func (f *specFlags) options() []spec.Option {
	opts := append([]spec.Option(nil), f.params...)
	if f.strict {
		opts = append(opts, spec.Strict())
	}
	return opts
}

// load reads the spec named by the first argument ("-": standard input),
// or the embedded TCP spec.
func (f *specFlags) load(fs *flag.FlagSet) (*spec.Spec, error) {
	opts := f.options()
	check := f.unset
	if f.config != nil && *f.config != "" {
		check = *f.config
	}
	for _, s := range f.sets {
		path, val, _ := strings.Cut(s, "=")
		opts = append(opts, spec.Override(check, strings.TrimSpace(path), val))
	}
	switch fs.NArg() {
	case 0:
		return fsmgen.TCP(opts...)
	case 1:
		if fs.Arg(0) == "-" {
			data, err := io.ReadAll(io.LimitReader(stdin, spec.MaxSize+1))
			if err != nil {
				return nil, fmt.Errorf("fsmgen: reading standard input: %v", err)
			}
			return spec.Parse("<stdin>", data, opts...)
		}
		return spec.Load(fs.Arg(0), opts...)
	}
	return nil, errUsagef("one spec file at most, got %d: %s", fs.NArg(), strings.Join(fs.Args(), " "))
}

// printWarnings writes the spec's warnings to w, one a line, each after
// its position.
func printWarnings(w io.Writer, s *spec.Spec) {
	for _, wn := range s.Warnings {
		fmt.Fprintf(w, "%s: warning: %s\n", wn.Pos, wn.Msg)
	}
}

// embeddedNote says where the embedded spec's positions point.
func embeddedNote(fs *flag.FlagSet) string {
	if fs.NArg() == 0 {
		return "(spec/tcp.yaml is the embedded spec: 'fsmgen spec' prints it)"
	}
	return ""
}
