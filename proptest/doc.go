// Package proptest holds fsmgen's property tests (gopter): over random
// valid specs, the generated code, the IR and the model checker, and over
// histories of calls, message arrivals and clock advances for a generated
// Machine. Everything in it is test code; it exports nothing.
package proptest
