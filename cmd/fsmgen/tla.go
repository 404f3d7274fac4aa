package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

func tla(inv *invocation) error {
	config := inv.configFlag("render only the check configuration `NAME` (default: every one)", "*")
	dir := inv.fs.String("o", "", "write MACHINE_CHECK.tla and MACHINE_CHECK.cfg into `DIR` (required)")
	s, err := inv.load(func() error {
		if *dir == "" {
			return errUsagef("-o DIR is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	checks := s.Checks
	if *config != "" || len(checks) == 0 { // pickCheck reports a spec without checks as check does
		c, err := pickCheck(s, *config)
		if err != nil {
			return err
		}
		checks = []*spec.Check{c}
	}
	files, err := renderTLA(s, checks, *dir)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(*dir)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("fsmgen: %w", err)
	}
	if err := writeFiles(files); err != nil {
		if os.IsNotExist(statErr) {
			os.Remove(*dir) // made for this output, which is not there: leave nothing behind
		}
		return err
	}
	for _, c := range checks {
		fmt.Fprintf(inv.stdout, "%s\n", filepath.Join(*dir, gen.TLAModuleName(s, c)+".tla"))
	}
	return nil
}

// renderTLA renders every check before anything is written.
func renderTLA(s *spec.Spec, checks []*spec.Check, dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, c := range checks {
		mod, cfg, err := gen.TLA(s, c)
		if err != nil {
			return nil, err
		}
		base := filepath.Join(dir, gen.TLAModuleName(s, c))
		files[base+".tla"], files[base+".cfg"] = mod, cfg
	}
	return files, nil
}
