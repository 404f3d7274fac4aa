package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fsmgen/fsmgen/spec"
)

// specFlags are the flags of every command that reads a spec.
type specFlags struct {
	params paramFlags
	strict bool
}

// paramFlags collects repeated -param NAME=DURATION flags.
type paramFlags []spec.Option

func (p *paramFlags) String() string { return "" }

func (p *paramFlags) Set(v string) error {
	name, val, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=DURATION, such as MSL=30s")
	}
	d, err := time.ParseDuration(val)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration", val)
	}
	*p = append(*p, spec.WithParam(name, d))
	return nil
}

// newFlagSet makes a flag set whose errors are usage errors (exit 2).
func newFlagSet(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fsmgen "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: fsmgen %s [flags] %s\n\nflags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; a bad flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func addSpecFlags(fs *flag.FlagSet) *specFlags {
	f := &specFlags{}
	fs.Var(&f.params, "param", "override a spec param, as NAME=DURATION (repeatable), e.g. -param MSL=30s")
	fs.BoolVar(&f.strict, "strict", false, "treat warnings (unreachable states, events that never fire) as errors")
	return f
}

// load reads the spec named by the first argument, or the embedded TCP spec.
func (f *specFlags) load(fs *flag.FlagSet) (*spec.Spec, error) {
	opts := append([]spec.Option(nil), f.params...)
	if f.strict {
		opts = append(opts, spec.Strict())
	}
	switch fs.NArg() {
	case 0:
		return spec.TCP(opts...)
	case 1:
		return spec.Load(fs.Arg(0), opts...)
	}
	return nil, fmt.Errorf("%w: one spec file at most, got %d arguments", errUsage, fs.NArg())
}
