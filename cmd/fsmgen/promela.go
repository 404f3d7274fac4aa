package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

func init() {
	commands["promela"] = command{"render a check configuration as a Promela model for SPIN", promela}
}

func promela(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("promela", "[spec.yaml]", stderr)
	sf := addSpecFlags(fs)
	config := fs.String("config", "", "the check configuration to render (default: the spec's default check)")
	sf.check = config
	out := fs.String("o", "", "write the model to `FILE` (atomically) instead of standard output")
	s, err := sf.parseAndLoad(fs, args, nil)
	if err != nil {
		return err
	}
	c, err := checkConfig(s, *config)
	if err != nil {
		return err
	}
	src, err := gen.Promela(s, c)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(src)
		return err
	}
	if err := writeAtomically(map[string][]byte{*out: src}); err != nil {
		return fmt.Errorf("fsmgen: %w", err)
	}
	return nil
}

// checkConfig returns the check configuration called name, or the default one.
func checkConfig(s *spec.Spec, name string) (*spec.Check, error) {
	if c := s.Check(name); c != nil {
		return c, nil
	}
	var names []string
	for _, c := range s.Checks {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: the spec has no check configurations", s.File)
	}
	return nil, fmt.Errorf("%s: no check configuration %q: expected one of %s", s.File, name, strings.Join(names, ", "))
}

// writeAtomically writes every file or none: each goes to a temporary file
// beside its destination, and the temporaries are renamed into place only
// once all were written.
func writeAtomically(files map[string][]byte) (err error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	temps := map[string]string{}
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	for _, p := range paths {
		f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp*")
		if err != nil {
			return err
		}
		temps[p] = f.Name()
		_, err = f.Write(files[p])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(f.Name(), 0o644)
		}
		if err != nil {
			return err
		}
	}
	for _, p := range paths {
		if err := os.Rename(temps[p], p); err != nil {
			return err
		}
		delete(temps, p)
	}
	return nil
}
