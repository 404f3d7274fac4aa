package gen

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// crossSpecs are the specs the Promela and TLA+ renderings are tested on.
func crossSpecs(t *testing.T) []*spec.Spec {
	t.Helper()
	tcp := spectest.TCP(t)
	out := []*spec.Spec{tcp}
	for _, f := range []string{"testdata/crossmodel/toggle.yaml", "testdata/crossmodel/relay.yaml", "testdata/timed.yaml", "../crosscheck/testdata/arith.yaml", "../crosscheck/testdata/retx.yaml", "../examples/reqresp/reqresp.yaml", "../examples/abp/abp.yaml", "../examples/twophase/twophase.yaml"} {
		s := spectest.Load(t, f)
		out = append(out, s)
	}
	return out
}

// balanced reports the first unbalanced bracket of src, skipping strings
// and the comments that start with one of lineComment and between open
// and close.
func balanced(src, lineComment, open, close string) string {
	var stack []byte
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(src); i++ {
		switch {
		case strings.HasPrefix(src[i:], lineComment):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(src[i:], open):
			end := strings.Index(src[i+len(open):], close)
			if end < 0 {
				return "unterminated comment"
			}
			i += len(open) + end + len(close) - 1
			continue
		case src[i] == '"':
			end := strings.IndexByte(src[i+1:], '"')
			if end < 0 {
				return "unterminated string"
			}
			i += end + 1
			continue
		}
		switch c := src[i]; c {
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return "unbalanced " + string(c) + " near " + src[max(i-60, 0):i+1]
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return "unclosed " + string(stack)
	}
	return ""
}

func TestPromelaStructure(t *testing.T) {
	for _, s := range crossSpecs(t) {
		for _, c := range s.Checks {
			src, err := Promela(s, c)
			if err != nil {
				t.Fatalf("%s/%s: %v", s.File, c.Name, err)
			}
			again, _ := Promela(s, c)
			if !bytes.Equal(src, again) {
				t.Errorf("%s/%s: two renderings differ", s.File, c.Name)
			}
			text := string(src)
			if msg := balanced(text, "//", "/*", "*/"); msg != "" {
				t.Errorf("%s/%s: %s", s.File, c.Name, msg)
			}
			for _, kw := range []string{"if", "do"} {
				end := map[string]string{"if": "fi", "do": "od"}[kw]
				n, m := countWord(text, kw), countWord(text, end)
				if n != m {
					t.Errorf("%s/%s: %d %s but %d %s", s.File, c.Name, n, kw, m, end)
				}
			}
			// Every inline is called, and the loop has one option per action.
			for _, name := range regexp.MustCompile(`(?m)^inline (\w+)\(`).FindAllStringSubmatch(text, -1) {
				if !strings.HasPrefix(name[1], "send_") && strings.Count(text, name[1]+"(") < 2 {
					t.Errorf("%s/%s: inline %s is never used", s.File, c.Name, name[1])
				}
			}
		}
	}
}

// wantAll fails t for each of wants that text, named what, does not
// contain.
func wantAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, text)
		}
	}
}

func countWord(text, w string) int {
	return len(regexp.MustCompile(`\b`+w+`\b`).FindAllStringIndex(stripComments(text), -1))
}

var commentRE = regexp.MustCompile(`(?s)/\*.*?\*/|\\\*[^\n]*|\(\*.*?\*\)`)

func stripComments(s string) string { return commentRE.ReplaceAllString(s, "") }

// TestPromelaToggle pins the action structure of a spec small enough to
// read: one option per action instance, in both loop copies.
func TestPromelaToggle(t *testing.T) {
	s := spectest.Load(t, "testdata/crossmodel/toggle.yaml")
	src, err := Promela(s, s.Checks[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	wantAll(t, "Promela", text,
		"byte a_state = S_OFF;",
		"byte b_inbox[1];",
		":: call_a_FLIP()",
		":: deliver_a()",
		":: deliver_b()",
		"inline send_b(m) {",
		"assert(!((a_state == S_ON) && (b_inbox_len == 0)))",
	)
	if strings.Contains(text, "end_terminal") || strings.Contains(text, "end_running") {
		t.Errorf("no terminal declared, yet an end label:\n%s", text)
	}
}

// TestTLAStructure checks what a parser would: balanced brackets, standard
// modules only, every row, event and action operator used, every cfg name
// defined.
func TestTLAStructure(t *testing.T) {
	defRE := regexp.MustCompile(`(?m)^(\w+)(?:\([^)]*\))? ==`)
	for _, s := range crossSpecs(t) {
		for _, c := range s.Checks {
			mod, cfg, err := TLA(s, c)
			if err != nil {
				t.Fatalf("%s/%s: %v", s.File, c.Name, err)
			}
			name := s.File + "/" + c.Name
			text := string(mod)
			if msg := balanced(text, `\*`, "(*", "*)"); msg != "" {
				t.Errorf("%s: %s", name, msg)
			}
			if !strings.HasPrefix(text, "---- MODULE "+TLAModuleName(s, c)+" ----\n") || !strings.HasSuffix(text, "====\n") {
				t.Errorf("%s: module header or footer missing", name)
			}
			ext := regexp.MustCompile(`(?m)^EXTENDS (.*)$`).FindStringSubmatch(text)
			if ext == nil {
				t.Fatalf("%s: no EXTENDS", name)
			}
			for _, m := range strings.Split(ext[1], ", ") {
				switch m {
				case "Naturals", "Integers", "Sequences", "FiniteSets", "TLC":
				default:
					t.Errorf("%s: extends %s, not a standard module", name, m)
				}
			}
			pre := func(m *spec.Machine) string { // per-machine operators carry its name when the peers run several
				for _, p := range c.Peers {
					if p.Machine != c.Peers[0].Machine {
						return m.Name + "_"
					}
				}
				return ""
			}
			made := map[string]bool{} // calls some peer makes
			for _, p := range c.Peers {
				for _, cb := range p.Calls {
					made["Ev_"+pre(p.Machine)+cb.Call.Name] = true
				}
			}
			for _, p := range c.Peers {
				for _, cl := range p.Machine.Calls {
					if !made["Ev_"+pre(p.Machine)+cl.Name] {
						made["Ev_"+pre(p.Machine)+cl.Name+"?"] = true
					}
				}
			}
			defs := map[string]bool{}
			body := stripComments(text)
			for _, d := range defRE.FindAllStringSubmatch(text, -1) {
				if defs[d[1]] {
					t.Errorf("%s: %s is defined twice", name, d[1])
				}
				defs[d[1]] = true
				if regexp.MustCompile(`^(Row\d|Ev_|Call_|Deliver_|Timeout_|Lose_|Duplicate_|Fairness_)`).MatchString(d[1]) &&
					!made[d[1]+"?"] && len(regexp.MustCompile(`\b`+d[1]+`\b`).FindAllString(body, -1)) < 2 {
					t.Errorf("%s: %s is defined but never used", name, d[1])
				}
			}
			for _, want := range []string{"Init", "Next", "Spec", "TypeOK", "vars"} {
				if !defs[want] {
					t.Errorf("%s: %s is not defined", name, want)
				}
			}
			for _, w := range regexp.MustCompile(`(?m)^(?:SPECIFICATION )?\s*(\w+)$`).FindAllStringSubmatch(string(cfg), -1) {
				if w[1] != "INVARIANTS" && w[1] != "PROPERTIES" && !defs[w[1]] {
					t.Errorf("%s: the cfg names %s, which the module does not define", name, w[1])
				}
			}
			// Every row of the machines the peers run has its operator.
			for _, p := range c.Peers {
				tm := &tlaMachine{m: p.Machine, pre: pre(p.Machine)}
				for _, r := range p.Machine.Rows {
					var ops []string
					for _, e := range r.On {
						for _, lt := range s.Letters {
							if lt.Message == e.Message {
								ops = append(ops, (&tlaGen{}).rowOpFor(tm, r, lt))
							}
						}
					}
					if len(ops) == 0 {
						ops = []string{rowOp(tm, r)}
					}
					for _, op := range ops {
						if !defs[op] {
							t.Errorf("%s: no operator %s for row %d of %s", name, op, r.Index, p.Machine.Name)
						}
					}
				}
			}
		}
	}
}

// TestExpressionRenderings pins how / % => and cond are rendered: Promela
// keeps C's truncating / and %, TLA+ uses \div and % only where neither
// operand can be negative, and Quot and Rem elsewhere.
func TestExpressionRenderings(t *testing.T) {
	s := spectest.Load(t, "../crosscheck/testdata/arith.yaml")
	c := s.Check("pair")
	pml, err := Promela(s, c)
	if err != nil {
		t.Fatal(err)
	}
	mod, _, err := TLA(s, c)
	if err != nil {
		t.Fatal(err)
	}
	wantAll(t, "Promela", string(pml),
		"(!((a_x % 2) == 0) || a_up)",                      // x % 2 == 0 => up, peer a
		"((a_up -> (a_x + a_k) : (a_x - a_k)) % 7)",        // cond(up, x + k, x - k) % 7
		"((a_up -> 1 : 0) + (b_up -> 1 : 0))",              // cond in a property
		"(((a_k + 1) / 2) == 2) && (((-a_k) % 2) == (-1))", // truncating, as in Go
	)
	wantAll(t, "TLA+", string(mod),
		"EXTENDS Integers,",
		"Quot(a, b) == LET q == (IF a < 0 THEN -a ELSE a) \\div (IF b < 0 THEN -b ELSE b)",
		"((Rem(s.x, 2) = 0) => s.up)",                                 // x may be negative
		"Rem((IF s.up THEN (s.x + s.var_k) ELSE (s.x - s.var_k)), 7)", // so may the cond
		"Quot((-s.x), s.var_k)",
		"(((var_k[\"a\"] + 1) \\div 2) = 2)", // k + 1 and 2 are never negative
		"(Size_a(inbox[\"a\"]) \\div 3)",
		"(IF up[\"a\"] THEN 1 ELSE 0)",
	)
}

// TestChannelNameClash: two channels whose names render alike are an
// error with the check's position in both renderings, never one merged
// channel.
func TestChannelNameClash(t *testing.T) {
	s := spectest.Load(t, "testdata/clash/channels.yaml")
	c := s.Checks[0]
	_, perr := Promela(s, c)
	_, _, terr := TLA(s, c)
	for name, err := range map[string]error{"promela": perr, "tla": terr} {
		if err == nil || !strings.Contains(err.Error(), "channels.yaml:11:3:") || !strings.Contains(err.Error(), "x_from_y_from_z") {
			t.Errorf("%s: got %v, want a clash of x_from_y_from_z at channels.yaml:11:3", name, err)
		}
	}
}
