package trace

import (
	"fmt"
	"io"
	"strings"
)

// RowName names row i of the spec for reports: its 1-based number and
// where it is written, e.g. "row 7 (spec/tcp.yaml:131)".
func (r *Result) RowName(i int) string {
	return fmt.Sprintf("row %d (%s)", i+1, r.Machine.Rows[i].Pos)
}

// StepString renders a step: "line 3: recv SYN_ACK SYN_SENT -> ESTABLISHED, sends ACK_SYN [row 7]".
func (r *Result) StepString(st Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d: ", st.Line)
	if st.Hidden {
		b.WriteString("(unobserved) ")
	}
	fmt.Fprintf(&b, "%s %s -> %s", st.Event, st.From, st.To)
	if len(st.Sent) > 0 {
		fmt.Fprintf(&b, ", sends %s", strings.Join(st.Sent, ", "))
	}
	if st.Refused {
		b.WriteString(", refused")
	}
	if st.Row >= 0 {
		fmt.Fprintf(&b, " [row %d]", st.Row+1)
	} else {
		b.WriteString(" [unhandled]")
	}
	return b.String()
}

func rowNumbers(rows []int) string {
	if len(rows) == 0 {
		return "none"
	}
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprint(r + 1)
	}
	return strings.Join(parts, " ")
}

// Write prints the verdict: the kinds of event declared observed, if any;
// per instance, accepted, its divergence or the line where the search for
// unobserved events ran out of budget, the rows it exercised (and with
// steps, every step); then the union.
func (r *Result) Write(w io.Writer, steps bool) {
	bad, incomplete := 0, 0
	if len(r.Observed) > 0 {
		var kinds []string
		for _, k := range r.Observed {
			kinds = append(kinds, kindNames[k][0])
		}
		fmt.Fprintf(w, "every %s is declared observed: the search for unobserved events inserts none\n", strings.Join(kinds, " and every "))
	}
	for _, in := range r.Instances {
		if d := in.Divergence; d != nil && d.Incomplete {
			incomplete++
			fmt.Fprintf(w, "%s: search incomplete at line %d: in %s, observed %s: %s; rows that could have applied: %s\n",
				in.ID, d.Line, strings.Join(d.States, " or "), d.Observed, d.Reason, rowNumbers(d.Could))
		} else if d != nil {
			bad++
			fmt.Fprintf(w, "%s: diverges at line %d: in %s, observed %s: %s; rows that could have applied: %s\n",
				in.ID, d.Line, strings.Join(d.States, " or "), d.Observed, d.Reason, rowNumbers(d.Could))
		} else {
			fmt.Fprintf(w, "%s: accepted (%d lines, ends in %s)\n", in.ID, in.Lines, strings.Join(in.States, " or "))
		}
		if steps {
			for _, st := range in.Steps {
				fmt.Fprintf(w, "    %s\n", r.StepString(st))
			}
		}
		fmt.Fprintf(w, "  rows exercised: %s\n", rowNumbers(in.Rows))
	}
	fmt.Fprintf(w, "rows exercised by all instances: %d of %d: %s\n", len(r.Union), len(r.Machine.Rows), rowNumbers(r.Union))
	if steps {
		for _, i := range r.Union {
			fmt.Fprintf(w, "    %s\n", r.RowName(i))
		}
	}
	fmt.Fprintf(w, "%s, %d conform, %d diverge", plural(len(r.Instances), "instance"), len(r.Instances)-bad-incomplete, bad)
	if incomplete > 0 {
		fmt.Fprintf(w, ", %d incomplete", incomplete)
	}
	fmt.Fprintln(w)
}

// plural is "1 instance" or "n instances".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
