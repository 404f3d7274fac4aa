// Package crosscheck checks fsmgen's model checker against an independent
// tool: its tests render check configurations as Promela (gen.Promela),
// have SPIN verify them exhaustively, and compare the state and transition
// counts and the verdicts. Everything in it is test code; it exports
// nothing.
package crosscheck
