package gen

import (
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// DiagramOptions configures the DOT and Mermaid state diagrams.
type DiagramOptions struct {
	// Source is the spec file name written into the diagram's header
	// comment; empty means the spec's file.
	Source string
	// HideSelfLoops leaves out rows that stay in the state they fire in
	// (retransmissions, duplicate acknowledgements, errors).
	HideSelfLoops bool
}

// diagramEdge is one arrow of a state diagram: one row fired from one state.
type diagramEdge struct {
	from, to *spec.State
	label    string // event[guard] / actions
}

// diagramEdges lists the arrows of s's state diagram in row order, then
// from-state order, labelled "event, event [guard] / action, action".
func diagramEdges(s *spec.Machine, o DiagramOptions) []diagramEdge {
	var out []diagramEdge
	for _, r := range s.Rows {
		label := rowLabel(r)
		for _, from := range r.From {
			to := r.Target(from)
			if o.HideSelfLoops && to == from {
				continue
			}
			out = append(out, diagramEdge{from, to, label})
		}
	}
	return out
}

func rowLabel(r *spec.Row) string {
	var on []string
	for _, e := range r.On {
		on = append(on, e.String())
	}
	label := strings.Join(on, ", ")
	if r.Guard != nil {
		label += " [" + r.Guard.String() + "]"
	}
	var acts []string
	for i, m := range r.Send {
		send := "send " + m.Name
		if i >= len(r.Sent()) {
			send = "reply " + m.Name // back to the sender of the message received
		}
		if i < len(r.SendFields) && r.SendFields[i] != nil {
			var fs []string
			for fi, f := range m.Fields {
				fs = append(fs, f.Name+"="+r.SendFields[i][fi].String())
			}
			send += "(" + strings.Join(fs, " ") + ")"
		}
		acts = append(acts, send)
	}
	for _, t := range r.Stop {
		acts = append(acts, "stop "+t.Name)
	}
	for _, t := range r.Start {
		acts = append(acts, "start "+t.Name)
	}
	for _, t := range r.Restart {
		acts = append(acts, "restart "+t.Name)
	}
	for _, a := range r.Set {
		acts = append(acts, a.Var.Name+"="+a.Value.String())
	}
	if r.Error != "" {
		acts = append(acts, "error "+r.Error)
	}
	if len(acts) > 0 {
		label += " / " + strings.Join(acts, ", ")
	}
	return label
}

func diagramSource(s *spec.Machine, o DiagramOptions) string {
	if o.Source != "" {
		return o.Source
	}
	return s.File
}
