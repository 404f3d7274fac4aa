package spec

import (
	"bytes"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Format renders s as spec YAML that Parse reads back to the same IR
// (positions aside). Rows come out expanded: from and on list their states
// and events, and expressions are written in canonical form.
func Format(s *Spec) ([]byte, error) {
	root := mapNode()
	if s.Machine != nil {
		add(root, "machine", str(s.Name))
	}
	if s.Doc != "" {
		add(root, "doc", str(s.Doc))
	}
	if len(s.Params) > 0 {
		m := mapNode()
		for _, p := range s.Params {
			v := mapNode()
			add(v, "value", str(formatDuration(p.Value)))
			if p.Doc != "" {
				add(v, "doc", str(p.Doc))
			}
			add(m, p.Name, v)
		}
		add(root, "params", m)
	}
	names, docs := []string(nil), []string(nil)
	for _, m := range s.Messages {
		names, docs = append(names, m.Name), append(docs, m.Doc)
	}
	addDecls(root, "messages", names, docs, func(i int, n *yaml.Node) {
		if fs := s.Messages[i].Fields; len(fs) > 0 {
			m := mapNode()
			for _, f := range fs {
				add(m, f.Name, formatVar(f, false))
			}
			add(n, "fields", m)
		}
	})
	if s.Machine != nil {
		formatMachine(root, s.Machine)
	} else {
		ms := mapNode()
		for _, m := range s.Machines {
			n := mapNode()
			if m.Doc != "" {
				add(n, "doc", str(m.Doc))
			}
			formatMachine(n, m)
			add(ms, m.Name, n)
		}
		add(root, "machines", ms)
	}
	if len(s.Checks) > 0 {
		m := mapNode()
		for _, c := range s.Checks {
			m.Content = append(m.Content, str(c.Name), formatCheck(s, c))
		}
		add(root, "checks", m)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// formatMachine adds machine s's sections (vars to unhandled) to root.
func formatMachine(root *yaml.Node, s *Machine) {
	if len(s.Vars) > 0 {
		m := mapNode()
		for _, v := range s.Vars {
			add(m, v.Name, formatVar(v, true))
		}
		add(root, "vars", m)
	}
	var names, docs []string
	for _, t := range s.Timers {
		names, docs = append(names, t.Name), append(docs, t.Doc)
	}
	addDecls(root, "timers", names, docs, func(i int, n *yaml.Node) { add(n, "after", str(s.Timers[i].AfterExpr)) })
	names, docs = nil, nil
	for _, c := range s.Calls {
		names, docs = append(names, c.Name), append(docs, c.Doc)
	}
	addDecls(root, "calls", names, docs, nil)
	names, docs = nil, nil
	for _, st := range s.States {
		names, docs = append(names, st.Name), append(docs, st.Doc)
	}
	addDecls(root, "states", names, docs, func(i int, n *yaml.Node) {
		if s.States[i].Initial {
			add(n, "initial", boolNode(true))
		}
	})
	rows := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range s.Rows {
		n := mapNode()
		var from, on []string
		for _, st := range r.From {
			from = append(from, st.Name)
		}
		for _, e := range r.On {
			on = append(on, e.String())
		}
		add(n, "from", strs(from))
		add(n, "on", strs(on))
		if r.Guard != nil {
			add(n, "if", str(r.Guard.String()))
		}
		if r.To != nil {
			add(n, "to", str(r.To.Name))
		}
		for _, part := range []struct {
			key    string
			lo, hi int
		}{{"send", 0, len(r.Send) - r.Replies}, {"reply", len(r.Send) - r.Replies, len(r.Send)}} {
			if part.lo == part.hi {
				continue
			}
			seq := &yaml.Node{Kind: yaml.SequenceNode}
			if r.SendFields == nil {
				seq.Style = yaml.FlowStyle
			}
			for i := part.lo; i < part.hi; i++ {
				m := r.Send[i]
				if r.SendFields == nil || r.SendFields[i] == nil {
					seq.Content = append(seq.Content, str(m.Name))
					continue
				}
				fs := mapNode()
				for fi, f := range m.Fields {
					add(fs, f.Name, str(r.SendFields[i][fi].String()))
				}
				one := mapNode()
				add(one, m.Name, fs)
				seq.Content = append(seq.Content, one)
			}
			add(n, part.key, seq)
		}
		for _, k := range []struct {
			key string
			ts  []*Timer
		}{{"start", r.Start}, {"stop", r.Stop}, {"restart", r.Restart}} {
			if len(k.ts) > 0 {
				var ts []string
				for _, t := range k.ts {
					ts = append(ts, t.Name)
				}
				add(n, k.key, strs(ts))
			}
		}
		if len(r.Set) > 0 {
			m := mapNode()
			for _, a := range r.Set {
				add(m, a.Var.Name, str(a.Value.String()))
			}
			add(n, "set", m)
		}
		if r.Error != "" {
			add(n, "error", str(r.Error))
		}
		if r.Doc != "" {
			add(n, "doc", str(r.Doc))
		}
		rows.Content = append(rows.Content, n)
	}
	add(root, "transitions", rows)
	u := mapNode()
	if s.Unhandled.Messages == ReplyMessage {
		add(u, "messages", str("reply "+s.Unhandled.Reply.Name))
	} else {
		add(u, "messages", str("drop"))
	}
	add(u, "calls", str(s.Unhandled.Calls.String()))
	add(root, "unhandled", u)
}

// formatVar renders a variable's declaration, or a message field's (no init).
func formatVar(v *Var, withInit bool) *yaml.Node {
	n := mapNode()
	add(n, "type", str(v.Kind.String()))
	switch v.Kind {
	case Enum:
		add(n, "values", strs(v.Values))
		if withInit {
			add(n, "init", str(v.Values[v.Init]))
		}
	case Int:
		add(n, "min", intNode(v.Min))
		add(n, "max", intNode(v.Max))
		if withInit {
			add(n, "init", intNode(v.Init))
		}
	default:
		if withInit {
			add(n, "init", boolNode(v.Init != 0))
		}
	}
	if v.Doc != "" {
		add(n, "doc", str(v.Doc))
	}
	return n
}

// addDecls adds a declaration section (messages, timers, calls, states) to root.
func addDecls(root *yaml.Node, key string, names, docs []string, extra func(i int, n *yaml.Node)) {
	if len(names) == 0 {
		return
	}
	m := mapNode()
	for i, name := range names {
		n := mapNode()
		if extra != nil {
			extra(i, n)
		}
		if docs[i] != "" {
			add(n, "doc", str(docs[i]))
		}
		add(m, name, n)
	}
	add(root, key, m)
}

func formatCheck(s *Spec, c *Check) *yaml.Node {
	n := mapNode()
	if c.Doc != "" {
		add(n, "doc", str(c.Doc))
	}
	if c.Default {
		add(n, "default", boolNode(true))
	}
	params := mapNode()
	for i, p := range c.Params {
		if i < len(s.Params) && s.Params[i].Value != p.Value {
			add(params, p.Name, str(formatDuration(p.Value)))
		}
	}
	if len(params.Content) > 0 {
		add(n, "params", params)
	}
	if c.Time != nil {
		tn := mapNode()
		add(tn, "tick", str(formatDuration(c.Time.Tick)))
		if len(c.Time.Early) > 0 {
			early := mapNode()
			for _, name := range slices.Sorted(maps.Keys(c.Time.Early)) {
				add(early, name, str(formatDuration(c.Time.Early[name])))
			}
			add(tn, "early", early)
		}
		add(n, "time", tn)
	}
	peers := mapNode()
	for i, p := range c.Peers {
		pn := mapNode()
		if p.Machine.several {
			add(pn, "machine", str(p.Machine.Name))
		}
		calls := mapNode()
		for _, b := range p.Calls {
			if b.Budget == Unbounded {
				add(calls, b.Call.Name, str("unbounded"))
			} else {
				add(calls, b.Call.Name, intNode(b.Budget))
			}
		}
		add(pn, "calls", calls)
		add(pn, "inbox", formatChannel(c, c.Into(i)[0], sameLifetime(c.Into(i))))
		if len(c.Peers) > 2 && len(p.SendsTo) > 0 {
			var to []string
			for _, q := range p.SendsTo {
				to = append(to, q.Name)
			}
			add(pn, "sends_to", strs(to))
		}
		add(peers, p.Name, pn)
	}
	add(n, "peers", peers)
	add(n, "network", formatChannel(c, c.Channels[0], sameLifetime(c.Channels)))
	chans := mapNode()
	for _, ch := range c.Channels {
		if in := c.Into(ch.To)[0]; ch.Order != in.Order || ch.Capacity != in.Capacity || ch.Full != in.Full || ch.Loss != in.Loss || ch.Duplicate != in.Duplicate || ch.Lifetime != sameLifetime(c.Into(ch.To)) {
			add(chans, c.Peers[ch.To].Name+" from "+c.Peers[ch.From].Name, formatChannel(c, ch, ch.Lifetime))
		}
	}
	if len(chans.Content) > 0 {
		add(n, "channels", chans)
	}
	if c.Time == nil { // a timed check fires timers by time
		add(n, "timeouts", str(c.Timeouts.String()))
	}
	if c.Terminal != nil {
		add(n, "terminal", str(c.Terminal.String()))
	}
	formatProperties(n, c, nil)
	if len(c.Monitors) > 0 {
		ms := mapNode()
		for _, mon := range c.Monitors {
			mn := mapNode()
			if mon.Doc != "" {
				add(mn, "doc", str(mon.Doc))
			}
			vs := mapNode()
			for _, v := range mon.Vars {
				add(vs, v.Name, formatVar(v, true))
			}
			add(mn, "vars", vs)
			on := &yaml.Node{Kind: yaml.SequenceNode}
			for _, h := range mon.Handlers {
				hn := mapNode()
				add(hn, h.Kind.String(), str(h.Target()))
				if h.Guard != nil {
					add(hn, "if", str(h.Guard.String()))
				}
				set := mapNode()
				for _, a := range h.Set {
					add(set, a.Var.Name, str(a.Value.String()))
				}
				add(hn, "set", set)
				on.Content = append(on.Content, hn)
			}
			add(mn, "on", on)
			formatProperties(mn, c, mon)
			add(ms, mon.Name, mn)
		}
		add(n, "monitors", ms)
	}
	return n
}

// formatProperties adds the invariants and goals of c that monitor mon
// declares (nil: the check itself) to n.
func formatProperties(n *yaml.Node, c *Check, mon *Monitor) {
	name := func(s string) string {
		if mon != nil {
			return strings.TrimPrefix(s, mon.Name+".")
		}
		return s
	}
	m := mapNode()
	for _, p := range c.Invariants {
		if p.Monitor == mon {
			add(m, name(p.Name), str(p.Expr.String()))
		}
	}
	if len(m.Content) > 0 {
		add(n, "invariants", m)
	}
	m = mapNode()
	for _, lv := range c.Eventually {
		if lv.Monitor == mon {
			g := mapNode()
			add(g, "goal", str(lv.Goal.String()))
			add(g, "fairness", str(lv.Fairness.String()))
			add(m, name(lv.Name), g)
		}
	}
	if len(m.Content) > 0 {
		add(n, "eventually", m)
	}
}

// sameLifetime is the lifetime every one of chs has, or 0 when they differ:
// a lifetime written in network or an inbox applies to every channel
// under it, and no lifetime can be written to mean none.
func sameLifetime(chs []*Channel) int {
	for _, ch := range chs {
		if ch.Lifetime != chs[0].Lifetime {
			return 0
		}
	}
	return chs[0].Lifetime
}

// formatChannel writes ch's network fields, with lifetime (in ticks) when
// it is not 0.
func formatChannel(c *Check, ch *Channel, lifetime int) *yaml.Node {
	n := mapNode()
	add(n, "order", str(ch.Order.String()))
	add(n, "capacity", intNode(ch.Capacity))
	add(n, "full", str(ch.Full.String()))
	add(n, "loss", boolNode(ch.Loss))
	add(n, "duplicate", boolNode(ch.Duplicate))
	if lifetime > 0 && c.Time != nil {
		add(n, "lifetime", str(formatDuration(time.Duration(lifetime)*c.Time.Tick)))
	}
	return n
}

// formatDuration writes d compactly and exactly: 2m, 1s, 1m30s, 250ms.
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}} {
		if d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.name
		}
	}
	return d.String()
}

func mapNode() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func add(m *yaml.Node, key string, v *yaml.Node) { m.Content = append(m.Content, str(key), v) }

// str is a string scalar; the encoder quotes it where YAML would read it otherwise.
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func strs(ss []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func intNode(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}
