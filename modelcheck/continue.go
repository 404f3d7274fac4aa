package modelcheck

import (
	"context"
	"slices"
	"strings"
)

// Continue makes Run go on past violations, as TLC's -continue does: it
// reports every violated property once, each with its shortest
// counterexample (Result.Violations, shallowest first), and the figures of
// the search of the whole state graph.
func Continue() Option { return func(c *Checker) { c.cont = true } }

// runContinue searches again after each safety violation with the property
// found violated left out, so that each of the others is still reported at
// its shallowest; the last search covers the whole graph and checks every
// liveness goal.
func (c *Checker) runContinue(ctx context.Context) (*Result, error) {
	orig := c.m
	defer func() { c.m = orig }()
	m := *orig
	c.m = &m
	var found []*Violation
	for {
		res, err := c.run(ctx)
		if err != nil {
			return nil, err
		}
		v := res.Violation
		if v == nil || v.Kind == LivenessViolation {
			res.Violations = append(found, res.Violations...)
			if len(res.Violations) > 0 {
				res.Violation = res.Violations[0]
			}
			goal := 0
			for i := range res.Properties {
				p := &res.Properties[i]
				g := goal
				if p.Kind == LivenessViolation {
					goal++
				}
				switch {
				case slices.ContainsFunc(res.Violations, func(v *Violation) bool { return v.Kind == p.Kind && v.Property == p.Name }):
					p.Status = "violated"
				case res.decided(p.Kind, g):
					p.Status = "holds"
				default:
					p.Status = "unknown"
				}
			}
			res.setOutcome()
			return res, nil
		}
		found = append(found, v)
		switch v.Kind {
		case InvariantViolation:
			m.invariants = slices.DeleteFunc(slices.Clone(m.invariants), func(p compiledProp) bool { return p.p.Name == v.Property })
		case Deadlock:
			m.terminal = func(*vec) int { return 1 } // every state is a proper end
		}
		if ctx.Err() != nil {
			res.Violations = found
			res.setOutcome()
			return res, nil
		}
	}
}

// deadlockHint explains a deadlock that looks like a normal end: every
// peer has made all the calls it may and no message is in flight.
func (c *Checker) deadlockHint(v *vec) string {
	for _, a := range c.m.actions {
		if a.kind == actCall && a.budget < 0 {
			return "" // a peer may call for ever
		}
	}
	ss := c.view(v)
	for _, p := range ss.Peers {
		for _, left := range p.Calls {
			if left != 0 {
				return ""
			}
		}
	}
	for _, in := range ss.Inboxes {
		if len(in.Messages) > 0 {
			return ""
		}
	}
	var ends []string
	for _, p := range ss.Peers {
		ends = append(ends, p.Name+".state == "+p.State)
	}
	t := strings.Join(ends, " && ") + " && empty(net)"
	if c.check.Terminal != nil {
		return "every peer has spent its calls and the network is empty: if this is a proper end, the check's terminal condition should allow it (it is false here)"
	}
	return "every peer has spent its calls and the network is empty, which looks like the normal end: declare proper ends with terminal:, e.g. terminal: " + t
}
