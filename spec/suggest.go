package spec

import (
	"fmt"
	"strings"
)

// didYouMean is " (did you mean X?)" when one of names is close to name:
// the same but for case, or within a small edit distance (a typo, a
// letter left out or doubled); "" otherwise, or when two are equally close.
func didYouMean(name string, names []string) string {
	best, bestD, tie := "", min(len(name)/4, 2), false // short names: only a difference of case
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		if strings.EqualFold(n, name) {
			d = 0
		}
		switch {
		case n == name:
			continue
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

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Names of a machine's parts, for didYouMean.

func (m *Machine) stateNames() []string {
	var out []string
	for _, s := range m.States {
		out = append(out, s.Name)
	}
	return out
}

func (m *Machine) messageNames() []string {
	var out []string
	for _, x := range m.Messages {
		out = append(out, x.Name)
	}
	return out
}

func (m *Machine) timerNames() []string {
	var out []string
	for _, t := range m.Timers {
		out = append(out, t.Name)
	}
	return out
}

func (m *Machine) callNames() []string {
	var out []string
	for _, c := range m.Calls {
		out = append(out, c.Name)
	}
	return out
}

func (m *Machine) varNames() []string {
	var out []string
	for _, v := range m.Vars {
		out = append(out, v.Name)
	}
	return out
}
