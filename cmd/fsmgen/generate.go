package main

import (
	"os"
	"path/filepath"

	"github.com/fsmgen/fsmgen/gen"
)

func generate(inv *invocation) error {
	out := inv.fs.String("o", "", "write the Go file `FILE` (replaced atomically); default standard output")
	pkg := inv.fs.String("pkg", "", "the generated package's `NAME`; default the machine name in lower case")
	machine := inv.fs.String("machine", "", "the `NAME` of the machine to generate, when the spec declares several (one package per machine)")
	messages := inv.fs.String("messages", "", "import the spec's messages from the package at `IMPORTPATH` (generated with --messages-only), so that the machines' packages share one Message type")
	messagesOnly := inv.fs.Bool("messages-only", false, "generate the spec's messages alone, as a package the machines' packages import with --messages (default package name: messages)")
	s, err := inv.load(func() error {
		if *messagesOnly && (*messages != "" || *machine != "") {
			return errUsagef("--messages-only generates no machine: it takes neither --machine nor --messages")
		}
		return nil
	})
	if err != nil {
		return err
	}
	printWarnings(inv.stderr, s)
	if !*messagesOnly {
		if _, err := s.SelectMachine(*machine); err != nil {
			return err // it names the spec's position first
		}
	}
	src, err := gen.Go(s, gen.GoOptions{Package: *pkg, Source: moduleRelative(s.File), Machine: *machine, Messages: *messages, MessagesOnly: *messagesOnly})
	if err != nil {
		return err
	}
	return inv.write(*out, src)
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
