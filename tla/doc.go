// Package tla holds the TLA+ rendering of spec/tcp.yaml: one module and one
// TLC configuration per check configuration, written by `fsmgen tla`. With
// the same semantics, TLC's distinct states equal fsmgen's.
//
//	java -cp tla2tools.jar tlc2.TLC -config tcp_reliable.cfg tcp_reliable.tla
package tla

//go:generate go run ../cmd/fsmgen tla --o .
