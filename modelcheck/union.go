package modelcheck

import (
	"fmt"
	"io"
)

// Union is the outcome of several check configurations of one spec, with
// the coverage of all of them together.
type Union struct {
	Spec     string        `json:"spec"`
	Outcome  string        `json:"outcome"` // holds when every check holds; else failed, else incomplete
	Checks   []*Result     `json:"checks"`
	Coverage []RowCoverage `json:"coverage"` // hits summed over the checks
	Never    []RowCoverage `json:"never_fired,omitempty"`
}

// UnionOf sums the coverage of results, which must be of one spec.
func UnionOf(results []*Result) *Union {
	u := &Union{Outcome: "holds", Checks: results}
	for _, r := range results {
		u.Spec = r.Spec
		switch {
		case r.Outcome == "failed":
			u.Outcome = "failed"
		case r.Outcome == "incomplete" && u.Outcome == "holds":
			u.Outcome = "incomplete"
		}
		if u.Coverage == nil {
			u.Coverage = append([]RowCoverage(nil), r.Coverage...)
			continue
		}
		for i := range u.Coverage {
			u.Coverage[i].Hits += r.Coverage[i].Hits
		}
	}
	for _, c := range u.Coverage {
		if c.Hits == 0 && !c.FailedCall {
			u.Never = append(u.Never, c)
		}
	}
	return u
}

// WriteText writes the union coverage and the outcome of every check.
func (u *Union) WriteText(w io.Writer) {
	fired := 0
	for _, c := range u.Coverage {
		if c.Hits > 0 {
			fired++
		}
	}
	refusals := 0
	for _, c := range u.Coverage {
		if c.FailedCall {
			refusals++
		}
	}
	partial := 0
	for _, r := range u.Checks {
		if !r.SafetyComplete {
			partial++
		}
	}
	fmt.Fprintf(w, "all %d checks of %s: coverage %d of %d rows fired", len(u.Checks), u.Spec, fired, len(u.Coverage))
	if refusals > 0 {
		fmt.Fprintf(w, "; %d only refuse calls, which is not firing", refusals)
	}
	if partial > 0 {
		fmt.Fprintf(w, " (%d searches stopped early: their coverage is partial)", partial)
	}
	fmt.Fprintln(w)
	if len(u.Never) > 0 {
		fmt.Fprintf(w, "rows no check reaches (%d):\n", len(u.Never))
		for _, c := range u.Never {
			fmt.Fprintf(w, "  %s: %s\n", c.Pos, c.Desc)
		}
	}
	width := 12
	for _, r := range u.Checks {
		width = max(width, len(r.Check))
	}
	for _, r := range u.Checks {
		fmt.Fprintf(w, "  %-*s %s\n", width, r.Check, r.Outcome)
	}
	fmt.Fprintf(w, "outcome: %s\n", u.Outcome)
}
