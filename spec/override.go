package spec

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file resolves `extends:` between check configurations and applies
// command-line overrides of check fields, both on the YAML tree before the
// checks are read, so that every field is validated (with its position)
// exactly as if it had been written out.

// Override sets field path (dot-separated, relative to a check
// configuration, such as "network.capacity" or "peers.client.calls.CLOSE")
// of check to value, read as YAML. An empty check names the default check
// configuration, "*" every one. Errors in the value are reported at the
// check's position and name the override.
func Override(check, path, value string) Option {
	return func(o *options) {
		o.overrides = append(o.overrides, override{check: check, path: path, value: value})
	}
}

type override struct{ check, path, value string }

func (o override) String() string { return "--set " + o.path + "=" + o.value }

// resolveChecks rewrites the checks mapping n in place: each check that
// extends another becomes the other's fields overlaid with its own, then
// the overrides are applied.
func (l *loader) resolveChecks(n *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		if len(l.opts.overrides) > 0 {
			p := l.s.Pos
			l.errs = append(l.errs, errorf(p, "%s: the spec has no check configurations to override", l.opts.overrides[0]))
		}
		return
	}
	byName := map[string]int{}
	var names []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode {
			if _, dup := byName[k.Value]; !dup {
				byName[k.Value] = i + 1
				names = append(names, k.Value)
			}
		}
	}
	state := map[string]int{} // 1 resolving, 2 done
	var resolve func(name string, chain []string) bool
	resolve = func(name string, chain []string) bool {
		switch state[name] {
		case 2:
			return true
		case 1:
			l.errorf(n.Content[byName[name]-1], "check %s extends itself: %s", name, strings.Join(append(chain, name), " -> "))
			return false
		}
		state[name] = 1
		v := n.Content[byName[name]]
		ext, rest := splitKey(v, "extends")
		ok := true
		if ext != nil {
			base := ""
			if ext.Kind == yaml.ScalarNode && ext.Tag == "!!str" {
				base = ext.Value
			}
			if _, found := byName[base]; !found || base == "" {
				sorted := append([]string(nil), names...)
				sort.Strings(sorted)
				l.errorf(ext, "check %s extends %s: no such check configuration: expected one of %s", name, kindName(ext), strings.Join(sorted, ", "))
				ok = false
			} else if resolve(base, append(chain, name)) {
				b := clone(n.Content[byName[base]])
				_, b = splitKey(b, "default") // being the default is not inherited
				_, b = splitKey(b, "doc")
				n.Content[byName[name]] = merge(b, rest)
			} else {
				ok = false
			}
		}
		state[name] = 2
		return ok
	}
	for _, name := range names {
		resolve(name, nil)
	}
	for _, o := range l.opts.overrides {
		targets := l.overrideTargets(n, names, byName, o)
		for _, t := range targets {
			l.apply(n, t, o)
		}
	}
}

// overrideTargets returns the value indexes in n of the checks o applies to.
func (l *loader) overrideTargets(n *yaml.Node, names []string, byName map[string]int, o override) []int {
	switch o.check {
	case "*":
		var out []int
		for _, name := range names {
			out = append(out, byName[name])
		}
		return out
	case "":
		for _, name := range names {
			v := n.Content[byName[name]]
			if d, _ := splitKey(v, "default"); d != nil && d.Kind == yaml.ScalarNode && d.Value == "true" {
				return []int{byName[name]}
			}
		}
		if len(names) > 0 {
			return []int{byName[names[0]]}
		}
		return nil
	}
	if i, ok := byName[o.check]; ok {
		return []int{i}
	}
	return nil // the command reports the unknown check configuration
}

// apply sets o's field in the check whose value is n.Content[i].
func (l *loader) apply(n *yaml.Node, i int, o override) {
	kn := n.Content[i-1]
	if l.overridden == nil {
		l.overridden = map[string][]string{}
	}
	l.overridden[kn.Value] = append(l.overridden[kn.Value], o.String())
	at := func(x *yaml.Node) *yaml.Node {
		l.mark(x, kn, o)
		return x
	}
	parts := strings.Split(o.path, ".")
	for _, p := range parts {
		if p == "" {
			l.errorf(kn, "%s: check %s: the field path %q has an empty part", o, kn.Value, o.path)
			return
		}
	}
	if parts[0] == "extends" {
		l.errorf(kn, "%s: check %s: extends cannot be overridden", o, kn.Value)
		return
	}
	var val yaml.Node
	if err := yaml.Unmarshal([]byte(o.value), &val); err != nil {
		l.errorf(kn, "%s: check %s: the value is not valid YAML: %s", o, kn.Value, strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	nv := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}
	if len(val.Content) > 0 {
		nv = val.Content[0]
	}
	if findAlias(nv) != nil {
		l.errorf(kn, "%s: anchors and aliases are not supported: write the value out", o)
		return
	}
	cur := n.Content[i]
	for d, p := range parts {
		if isNull(cur) {
			*cur = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: kn.Line, Column: kn.Column}
			l.mark(cur, kn, o)
		}
		if cur.Kind != yaml.MappingNode {
			l.errorf(cur, "%s: %s is %s, not a mapping with field %s", o, strings.Join(parts[:d], "."), kindName(cur), p)
			return
		}
		if d == 1 && parts[0] == "peers" {
			if v, _ := splitKey(cur, p); v == nil {
				var peers []string
				for j := 0; j+1 < len(cur.Content); j += 2 {
					peers = append(peers, cur.Content[j].Value)
				}
				l.errorf(kn, "%s: check %s has no peer %q: its peers are %s", o, kn.Value, clip(p), strings.Join(peers, ", "))
				return
			}
		}
		last := d == len(parts)-1
		found := false
		for j := 0; j+1 < len(cur.Content); j += 2 {
			if cur.Content[j].Kind == yaml.ScalarNode && cur.Content[j].Value == p {
				if last {
					cur.Content[j+1] = at(nv)
				}
				cur, found = cur.Content[j+1], true
				break
			}
		}
		if !found {
			child := nv
			if !last {
				child = at(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
			} else {
				at(nv)
			}
			key := at(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p})
			cur.Content = append(cur.Content, key, child)
			cur = child
		}
	}
}

// mark places x and its descendants at the check key kn and records that
// they come from o, so that errors about them name it.
func (l *loader) mark(x, kn *yaml.Node, o override) {
	if l.origin == nil {
		l.origin = map[*yaml.Node]override{}
	}
	x.Line, x.Column = kn.Line, kn.Column
	l.origin[x] = o
	for _, c := range x.Content {
		l.mark(c, kn, o)
	}
}

// splitKey returns the value of key in mapping n and n without it (a copy
// when key is present).
func splitKey(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			c := *n
			c.Content = append(append([]*yaml.Node(nil), n.Content[:i]...), n.Content[i+2:]...)
			return n.Content[i+1], &c
		}
	}
	return nil, n
}

// merge overlays mapping over on mapping base: keys of over replace those
// of base, and where both values are mappings they are merged likewise.
func merge(base, over *yaml.Node) *yaml.Node {
	if base == nil || base.Kind != yaml.MappingNode || over == nil || over.Kind != yaml.MappingNode {
		return over
	}
	out := *base
	out.Content = append([]*yaml.Node(nil), base.Content...)
	out.Line, out.Column = over.Line, over.Column
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		replaced := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Kind == yaml.ScalarNode && k.Kind == yaml.ScalarNode && out.Content[j].Value == k.Value {
				out.Content[j+1] = merge(out.Content[j+1], v)
				replaced = true
				break
			}
		}
		if !replaced {
			out.Content = append(out.Content, k, v)
		}
	}
	return &out
}

func clone(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = clone(x)
	}
	return &c
}
