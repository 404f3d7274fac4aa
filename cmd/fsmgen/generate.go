package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fsmgen/fsmgen/gen"
)

func init() {
	commands["generate"] = command{"generate typed Go from a spec (for go:generate)", generate}
}

func generate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", "[spec.yaml]", stderr)
	out := fs.String("o", "", "write the Go file `FILE` (replaced atomically); default standard output")
	pkg := fs.String("pkg", "", "the generated package's `NAME`; default the machine name in lower case")
	machine := fs.String("machine", "", "the machine to generate, when the spec declares several (one package per machine)")
	messages := fs.String("messages", "", "import the spec's messages from the package at `IMPORTPATH` (generated with --messages-only), so that the machines' packages share one Message type")
	messagesOnly := fs.Bool("messages-only", false, "generate the spec's messages alone, as a package the machines' packages import with --messages (default package name: messages)")
	sf := addSpecFlags(fs)
	s, err := sf.parseAndLoad(fs, args, func() error {
		if *messagesOnly && (*messages != "" || *machine != "") {
			return errUsagef("--messages-only generates no machine: it takes neither --machine nor --messages")
		}
		return nil
	})
	if err != nil {
		return err
	}
	printWarnings(stderr, s)
	if !*messagesOnly {
		if _, err := s.SelectMachine(*machine); err != nil {
			return err // it names the spec's position first
		}
	}
	src, err := gen.Go(s, gen.GoOptions{Package: *pkg, Source: moduleRelative(s.File), Machine: *machine, Messages: *messages, MessagesOnly: *messagesOnly})
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(src)
		return err
	}
	return writeAtomic(*out, src)
}

// moduleRelative names the spec file relative to the root of the Go module
// that holds it, so the generated header and positions do not depend on the
// directory go generate ran in. Files outside a module keep their name.
func moduleRelative(name string) string {
	if fi, err := os.Stat(name); err != nil || fi.IsDir() {
		return name // the embedded spec, or a name that is not a path
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return name
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, abs); err == nil {
				return filepath.ToSlash(rel)
			}
			return name
		}
		if filepath.Dir(dir) == dir {
			return name
		}
	}
}

// writeAtomic writes data to a temporary file beside path and renames it
// over path, so a failed run never leaves half-written output.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("fsmgen: cannot write %s: no directory %s", path, dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err // the temporary file's name would only confuse
		}
		return fmt.Errorf("fsmgen: cannot write %s: %v", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fsmgen: writing %s: %v", path, err)
	}
	return nil
}
