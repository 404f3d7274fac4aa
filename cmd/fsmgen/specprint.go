package main

import "github.com/fsmgen/fsmgen"

func printSpec(inv *invocation) error {
	if err := inv.parse(); err != nil {
		return err
	}
	if inv.fs.NArg() > 0 {
		return errUsagef("fsmgen spec takes no arguments, got %d", inv.fs.NArg())
	}
	_, err := inv.stdout.Write(fsmgen.TCPSource())
	return err
}
