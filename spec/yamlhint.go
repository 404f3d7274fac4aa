package spec

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// This file holds the hints for YAML pitfalls: a leading ! read as a tag,
// and an unquoted comma that ends a value in a {...} mapping.

// tagInFlow looks for a plain value that starts with ! (which YAML reads
// as a tag) after "key: " on line (1-based) of data, or on the lines next
// to it: yaml.v3 reports such a tag inside a {...} mapping as a syntax
// error, at a position that does not point at it. It returns the error
// with the hint at the position of the !, or nil.
func (l *loader) tagInFlow(data []byte, line int) *Error {
	lines := bytes.Split(data, []byte("\n"))
	for _, n := range []int{line, line - 1, line + 1, line - 2} {
		if n < 1 || n > len(lines) {
			continue
		}
		text := string(lines[n-1])
		col, key, val, ok := tagValue(text)
		if ok && n != line && !strings.ContainsAny(text[:strings.Index(text, val)], "{[") {
			continue // a tag in block style on another line is not what yaml.v3 tripped on
		}
		if ok {
			return errorf(Pos{File: l.file, Line: n, Col: col},
				"YAML reads %q as a tag, not as part of the value: quote the expression, as in %s: %q", tagOf(val), key, val)
		}
	}
	return nil
}

// tagValue finds "key: !..." outside quotes and comments in s and returns
// the column (in characters) of the !, the key and the plain value up to
// the end of the flow entry.
func tagValue(s string) (col int, key, val string, ok bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
			continue
		case c == '"' || c == '\'':
			quote = c
			continue
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return 0, "", "", false
		case c != ':' || i+1 >= len(s) || (s[i+1] != ' ' && s[i+1] != '\t'):
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j+1 >= len(s) || s[j] != '!' || s[j+1] == '!' || s[j+1] == '=' || s[j+1] == ' ' {
			continue
		}
		k := i
		for k > 0 && strings.IndexByte("{[, \t-", s[k-1]) < 0 {
			k--
		}
		end := j
		for end < len(s) && strings.IndexByte(",}]#", s[end]) < 0 {
			end++
		}
		return utf8.RuneCountInString(s[:j]) + 1, s[k:i], strings.TrimSpace(s[j:end]), true
	}
	return 0, "", "", false
}

// tagOf is the tag YAML reads at the start of val.
func tagOf(val string) string {
	if i := strings.IndexAny(val, " \t"); i >= 0 {
		return val[:i]
	}
	return val
}

// splitByComma finds, in a {...} mapping under n, a value that an
// unquoted comma ended: a plain value followed by keys without values
// that cannot be names (text such as "sent + 1" or "3)"), or a value with
// an unclosed parenthesis. It reports the first one once, with the value
// as it was written, and says whether it found one.
func (l *loader) splitByComma(n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle != 0 {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode || v.Style != 0 || isNull(v) {
				continue
			}
			parts := []string{v.Value}
			bad := strings.Count(v.Value, "(") > strings.Count(v.Value, ")")
			for j := i + 2; j+1 < len(n.Content); j += 2 {
				nk, nv := n.Content[j], n.Content[j+1]
				if nk.Kind != yaml.ScalarNode || nk.Style != 0 || !isNull(nv) || nv.Value != "" {
					break // a key with a value
				}
				parts = append(parts, nk.Value)
				if !identRE.MatchString(nk.Value) {
					bad = true
				}
			}
			if bad && len(parts) > 1 {
				l.errorf(v, "in a {...} mapping an unquoted comma ends a value: quote the value, as in %s: %q", k.Value, strings.Join(parts, ", "))
				return true
			}
		}
	}
	for _, c := range n.Content {
		if l.splitByComma(c) {
			return true
		}
	}
	return false
}

// textHint is the hint for a doc (what) written as a {...} or [...] YAML
// collection, as an unquoted doc: {a, b} is.
func textHint(n *yaml.Node, what string) string {
	if what != "doc" || n.Style&yaml.FlowStyle == 0 || (n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode) {
		return ""
	}
	open, end, kind := "{", "}", "a mapping"
	if n.Kind == yaml.SequenceNode {
		open, end, kind = "[", "]", "a list"
	}
	var parts []string
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 1 {
			if !isNull(c) {
				return fmt.Sprintf(" (YAML reads %s...%s as %s: quote the text)", open, end, kind)
			}
			continue
		}
		if c.Kind != yaml.ScalarNode {
			return fmt.Sprintf(" (YAML reads %s...%s as %s: quote the text)", open, end, kind)
		}
		parts = append(parts, c.Value)
	}
	return fmt.Sprintf(" (YAML reads %s...%s as %s: quote the text, as in %s: %q)", open, end, kind, what, open+strings.Join(parts, ", ")+end)
}
