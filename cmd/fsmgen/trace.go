package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/trace"
)

func init() {
	commands["trace"] = command{"validate a recorded JSON-lines trace against the machine", traceCmd}
}

func traceCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("trace", "[spec.yaml] TRACE.jsonl|-", stderr)
	sf := addSpecFlags(fs)
	depth := fs.Int("depth", 8, "the most unobserved events one state-only line may stand for")
	steps := fs.Bool("steps", false, "print every step of every instance (observed and unobserved) and the rows by position")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *depth < 1 || *depth > 64 {
		return fmt.Errorf("%w: -depth must be between 1 and 64", errUsage)
	}
	var s *spec.Spec
	var err error
	opts := append([]spec.Option(nil), sf.params...)
	if sf.strict {
		opts = append(opts, spec.Strict())
	}
	switch fs.NArg() {
	case 1:
		s, err = spec.TCP(opts...)
	case 2:
		s, err = spec.Load(fs.Arg(0), opts...)
	default:
		return fmt.Errorf("%w: want [spec.yaml] TRACE.jsonl (or - for standard input), got %d arguments", errUsage, fs.NArg())
	}
	if err != nil {
		return err
	}
	name := fs.Arg(fs.NArg() - 1)
	var in io.Reader = os.Stdin
	if name == "-" {
		name = "<stdin>"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("fsmgen: %w", err)
		}
		defer f.Close()
		in = f
	}
	res, err := trace.Validate(s, in, name, trace.Options{MaxDepth: *depth})
	if err != nil {
		var ie *trace.InputError
		if errors.As(err, &ie) {
			return err
		}
		return fmt.Errorf("fsmgen: %w", err)
	}
	res.Write(stdout, *steps)
	if !res.OK() {
		return errFailed
	}
	return nil
}
