package spec

import (
	"fmt"
	"strings"
)

// maxHints is how many unknown names of one file get a suggestion: enough
// for the errors anyone reads, and a file of thousands of unknown names
// stays fast to load.
const maxHints = 100

// didYouMean is " (did you mean X?)" when the name of one of xs is close
// to name: the same but for case, or (names of four letters or more)
// within an edit or two (a typo, a letter left out or doubled); "" when
// none is, when two are equally close, or when hints (the suggestions the
// file may still get) is spent.
func didYouMean[T any](hints *int, name string, xs []T, nameOf func(T) string) string {
	if hints == nil || *hints <= 0 || len(name) > maxNameLen {
		return ""
	}
	*hints--
	best, bestD, tie := "", min(len(name)/4, 2), false // short names: only a difference of case
	for _, x := range xs {
		n := nameOf(x)
		if n == name || len(n) > maxNameLen {
			continue
		}
		if diff := len(n) - len(name); diff > bestD || -diff > bestD {
			continue // too far apart in length to be within bestD edits
		}
		d := 0
		if !strings.EqualFold(n, name) {
			d = editDistance(name, n, bestD)
		}
		switch {
		case d < bestD || best == "" && d <= bestD:
			best, bestD, tie = n, d, false
		case d == bestD && best != "":
			tie = true
		}
	}
	if best == "" || tie {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// editDistance is the Levenshtein distance between a and b (at most
// maxNameLen bytes each), ignoring ASCII case, or more than bound when it
// exceeds bound.
func editDistance(a, b string, bound int) int {
	var prev, cur [maxNameLen + 1]int
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if lowerASCII(a[i-1]) == lowerASCII(b[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > bound {
			return bound + 1
		}
		prev = cur
	}
	return prev[len(b)]
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// The names didYouMean compares, by kind.

func stateName(s *State) string     { return s.Name }
func messageName(m *Message) string { return m.Name }
func timerName(t *Timer) string     { return t.Name }
func callName(c *Call) string       { return c.Name }
func varName(v *Var) string         { return v.Name }
func paramName(p *Param) string     { return p.Name }
