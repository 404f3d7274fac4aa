package spec

import (
	"fmt"
	"iter"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file holds the helpers that read yaml.Node trees with positions.

const maxNameLen = 64

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (l *loader) pos(n *yaml.Node) Pos {
	return Pos{File: l.file, Line: n.Line, Col: n.Column}
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	e := errorf(l.pos(n), format, args...)
	if o, ok := l.origin[n]; ok && !strings.HasPrefix(e.Msg, o.String()) {
		e.Msg += " (from " + o.String() + ")"
	}
	l.errs = append(l.errs, e) // a field read twice reports twice: Parse drops the repeats
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return strconv.Quote(clip(n.Value))
	}
	return "an alias"
}

// clip shortens long scalars in messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

type pair struct {
	key   string
	kn, v *yaml.Node
}

// mapping returns n's key/value pairs, reporting a non-mapping, non-scalar
// keys and duplicate keys. A null node is an empty mapping.
func (l *loader) mapping(n *yaml.Node, what string) ([]pair, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a mapping, found %s", what, kindName(n))
		return nil, false
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, "keys of %s must be names, found %s", what, kindName(k))
			continue
		}
		if seen[k.Value] {
			l.errorf(k, "duplicate key %q in %s", clip(k.Value), what)
			continue
		}
		seen[k.Value] = true
		out = append(out, pair{k.Value, k, v})
	}
	return out, true
}

// named ranges over the entries of mapping n (what, in errors) whose keys
// are valid names of kind, such as "variable"; it reports each other key
// as it comes to it.
func (l *loader) named(n *yaml.Node, what, kind string) iter.Seq[pair] {
	pairs, _ := l.mapping(n, what)
	return func(yield func(pair) bool) {
		for _, p := range pairs {
			if l.checkIdent(p.kn, p.key, kind) && !yield(p) {
				return
			}
		}
	}
}

// fields reads a mapping whose keys must be among allowed; it returns the
// values by key. Unknown keys are errors that list what was expected.
func (l *loader) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	pairs, ok := l.mapping(n, what)
	if !ok {
		return nil
	}
	out := map[string]*yaml.Node{}
	for _, p := range pairs {
		found := false
		for _, a := range allowed {
			if a == p.key {
				found = true
				break
			}
		}
		if !found {
			hint := ""
			if n.Style&yaml.FlowStyle != 0 && isNull(p.v) && len(out) > 0 {
				hint = " (in a {...} mapping an unquoted comma ends a value: quote a value that has one, e.g. doc: \"one, two\")"
			}
			l.errorf(p.kn, "unknown field %q in %s: expected %s%s", clip(p.key), what, strings.Join(allowed, ", "), hint)
			continue
		}
		out[p.key] = p.v
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// keyword reads the scalar n (what names it) as one of values, by the
// word each value's String gives, into *dst. Another word is reported as
// want, then what was found; *dst is then left as it was.
func keyword[T fmt.Stringer](l *loader, n *yaml.Node, what string, dst *T, want string, values ...T) {
	s, _ := l.str(n, what)
	for _, v := range values {
		if v.String() == s {
			*dst = v
			return
		}
	}
	l.errorf(n, "%s, found %q", want, clip(s))
}

// str reads a scalar string (any plain or quoted scalar that is not a mapping or list).
func (l *loader) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, "%s must be a string, found %s%s", what, kindName(n), textHint(n, what))
		return "", false
	}
	return n.Value, true
}

// name reads an identifier.
func (l *loader) name(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, "%s must be a name, found %s", what, kindName(n))
		return "", false
	}
	return n.Value, l.checkIdent(n, n.Value, what)
}

func (l *loader) checkIdent(n *yaml.Node, s, what string) bool {
	if len(s) > maxNameLen {
		l.errorf(n, "%s %q is too long: names have at most %d characters", what, clip(s), maxNameLen)
		return false
	}
	if !identRE.MatchString(s) {
		l.errorf(n, "%s %q is not a valid name: expected letters, digits and _ (not starting with a digit)", what, clip(s))
		return false
	}
	return true
}

func (l *loader) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	l.errorf(n, "%s must be true or false, found %s", what, kindName(n))
	return false, false
}

func (l *loader) integer(n *yaml.Node, what string, min, max int) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, err := strconv.ParseInt(n.Value, 0, 64)
		if err == nil && v >= int64(min) && v <= int64(max) {
			return int(v), true
		}
		l.errorf(n, "%s must be between %d and %d, found %s", what, min, max, clip(n.Value))
		return 0, false
	}
	l.errorf(n, "%s must be an integer, found %s", what, kindName(n))
	return 0, false
}

// list reads a scalar or a list of scalars.
func (l *loader) list(n *yaml.Node, what string) []*yaml.Node {
	switch {
	case isNull(n):
		l.errorf(n, "%s must not be empty", what)
		return nil
	case n.Kind == yaml.ScalarNode:
		return []*yaml.Node{n}
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			l.errorf(n, "%s must not be empty", what)
		}
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				l.errorf(c, "%s must list names, found %s", what, kindName(c))
				return nil
			}
		}
		return n.Content
	}
	l.errorf(n, "%s must be a name or a list of names, found %s", what, kindName(n))
	return nil
}

// valuePos is where an expression scalar's text begins: after an opening quote.
func (l *loader) valuePos(n *yaml.Node) Pos {
	p := l.pos(n)
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		p.Col++
	}
	return p
}
