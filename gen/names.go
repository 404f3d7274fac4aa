// Package gen renders a validated spec (the IR of package spec) as other
// languages: typed Go (golang.go), Graphviz DOT and Mermaid diagrams
// (diagram.go), and a check configuration as Promela for SPIN (promela.go)
// and TLA+ with a TLC configuration (tla.go). Every emitter is
// deterministic: the same spec gives the same bytes on every run.
package gen

import (
	"strings"
	"unicode"
)

// GoName turns a spec name (SYN_SENT, time_wait, ackFin) into an exported
// Go identifier in mixed caps (SynSent, TimeWait, AckFin).
func GoName(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(part)
		upper := true
		for _, r := range rs {
			if unicode.IsLower(r) {
				upper = false
			}
		}
		for i, r := range rs {
			switch {
			case i == 0:
				b.WriteRune(unicode.ToUpper(r))
			case upper:
				b.WriteRune(unicode.ToLower(r))
			default:
				b.WriteRune(r)
			}
		}
	}
	s := b.String()
	if s == "" || !unicode.IsLetter([]rune(s)[0]) {
		s = "X" + s
	}
	return s
}
