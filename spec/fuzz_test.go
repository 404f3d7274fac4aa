package spec_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
)

// FuzzParse feeds arbitrary text to Parse. Whatever the input, Parse must
// not panic, and must return either a consistent IR or errors that all name
// a position in the file and wrap ErrInvalid.
func FuzzParse(f *testing.F) {
	f.Add(fsmgen.TCPSource())
	for _, dir := range []string{"testdata/good", "testdata/bad", "../examples/*"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		s, err := spec.Parse(name, data)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse returned both a spec and an error: %v", err)
			}
			checkErrors(t, name, err)
			return
		}
		if s == nil {
			t.Fatal("Parse returned neither a spec nor an error")
		}
		checkIR(t, s)
	})
}

// checkErrors asserts that err is an *Error or an ErrorList of positioned
// errors in file name, wrapping ErrInvalid.
func checkErrors(t *testing.T, name string, err error) {
	t.Helper()
	if !errors.Is(err, spec.ErrInvalid) {
		t.Fatalf("error does not wrap ErrInvalid: %v", err)
	}
	var list []*spec.Error
	var el spec.ErrorList
	var e *spec.Error
	switch {
	case errors.As(err, &el):
		list = el
	case errors.As(err, &e):
		list = []*spec.Error{e}
	default:
		t.Fatalf("error is neither an *Error nor an ErrorList: %T %v", err, err)
	}
	if len(list) == 0 {
		t.Fatalf("empty ErrorList")
	}
	for _, e := range list {
		if e.Pos.File != name || e.Pos.Line < 1 || e.Pos.Col < 1 {
			t.Fatalf("error without a proper position (%q %d:%d): %v", e.Pos.File, e.Pos.Line, e.Pos.Col, e)
		}
		if e.Msg == "" {
			t.Fatalf("error without a message at %v", e.Pos)
		}
	}
}

// checkIR asserts the invariants every validated Spec keeps.
func checkIR(t *testing.T, sp *spec.Spec) {
	t.Helper()
	if len(sp.Machines) == 0 || (len(sp.Machines) == 1) != (sp.Machine != nil) {
		t.Fatalf("%d machines, Machine set: %v", len(sp.Machines), sp.Machine != nil)
	}
	n := 0
	for i, lt := range sp.Letters {
		if lt.Index != i || len(lt.Values) != len(lt.Message.Fields) {
			t.Fatalf("letter %v at %d has index %d", lt, i, lt.Index)
		}
	}
	for _, m := range sp.Messages {
		n += len(m.Letters)
	}
	if n != len(sp.Letters) || len(sp.Letters) > 256 {
		t.Fatalf("%d letters, the messages have %d", len(sp.Letters), n)
	}
	for _, m := range sp.Machines {
		checkMachine(t, m)
	}
	for _, w := range sp.Warnings {
		if w.Pos.Line < 1 || w.Pos.Col < 1 {
			t.Fatalf("warning without a position: %v", w)
		}
	}
	for _, c := range sp.Checks {
		if c.Peers[0] == nil || c.Peers[1] == nil || c.Channels[0] == nil || c.Channels[1] == nil {
			t.Fatalf("check %s is incomplete", c.Name)
		}
	}
}

// checkMachine asserts the invariants of one machine of a validated spec.
func checkMachine(t *testing.T, s *spec.Machine) {
	t.Helper()
	if s.Initial == nil || !s.Initial.Initial || s.States[s.Initial.Index] != s.Initial {
		t.Fatalf("bad initial state %v", s.Initial)
	}
	if len(s.Events) != len(s.Calls)+len(s.Messages)+len(s.Timers) {
		t.Fatalf("%d events for %d calls, %d messages, %d timers", len(s.Events), len(s.Calls), len(s.Messages), len(s.Timers))
	}
	for i, e := range s.Events {
		if e.Index != i {
			t.Fatalf("event %v has index %d, at %d", e, e.Index, i)
		}
	}
	for i, st := range s.States {
		if st.Index != i {
			t.Fatalf("state %s has index %d, at %d", st.Name, st.Index, i)
		}
	}
	if len(s.Table) != len(s.States) {
		t.Fatalf("table has %d states, spec %d", len(s.Table), len(s.States))
	}
	entries := 0
	for i, r := range s.Rows {
		if r.Index != i {
			t.Fatalf("row at %v has index %d, at %d", r.Pos, r.Index, i)
		}
		if len(r.From) == 0 || len(r.On) == 0 {
			t.Fatalf("row at %v has from %d states, on %d events", r.Pos, len(r.From), len(r.On))
		}
		if r.Guard != nil && r.Guard.Type().Kind != spec.BoolType {
			t.Fatalf("row at %v: guard of type %v", r.Pos, r.Guard.Type())
		}
		for _, st := range r.From {
			for _, e := range r.On {
				if !contains(s.Table[st.Index][e.Index], r) {
					t.Fatalf("row at %v is missing from Table[%s][%v]", r.Pos, st.Name, e)
				}
			}
		}
		entries += len(r.From) * len(r.On)
	}
	n := 0
	for si, byEvent := range s.Table {
		if len(byEvent) != len(s.Events) {
			t.Fatalf("table row %d has %d events, spec %d", si, len(byEvent), len(s.Events))
		}
		for ei, rows := range byEvent {
			for k, r := range rows {
				if k > 0 && rows[k-1].Index >= r.Index {
					t.Fatalf("Table[%d][%d] is not in file order", si, ei)
				}
				if !contains(r.From, s.States[si]) || !contains(r.On, s.Events[ei]) {
					t.Fatalf("Table[%s][%v] holds row at %v, which does not cover it", s.States[si].Name, s.Events[ei], r.Pos)
				}
			}
			n += len(rows)
		}
	}
	if n != entries {
		t.Fatalf("table has %d entries, rows expand to %d", n, entries)
	}
	checkExclusive(t, s)
	if s.Layout.Bits > 32 {
		t.Fatalf("layout of %d bits", s.Layout.Bits)
	}
	if len(s.Inputs) != len(s.Calls)+len(s.Letters)+len(s.Timers) {
		t.Fatalf("%d inputs for %d calls, %d letters, %d timers", len(s.Inputs), len(s.Calls), len(s.Letters), len(s.Timers))
	}
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// guardEnv evaluates guards over one valuation of the variables and, for
// a receipt, the letter received.
type guardEnv struct {
	vals []int
	lt   *spec.Letter
}

func (e guardEnv) Var(_ int, v *spec.Var) int   { return e.vals[v.Index] }
func (e guardEnv) State(int) int                { return 0 }
func (e guardEnv) Armed(int, *spec.Timer) bool  { return false }
func (e guardEnv) Count(int, *spec.Message) int { return 0 }
func (e guardEnv) Msg(name string) int {
	v, _ := e.lt.Value(name)
	return v
}

// checkExclusive asserts, independently of the loader, that at most one
// row of each cell fires for every valuation and letter (when there are few).
func checkExclusive(t *testing.T, s *spec.Machine) {
	t.Helper()
	total := 1
	for _, v := range s.Vars {
		total *= v.Size()
		if total > 1<<12 {
			return
		}
	}
	vals := make([]int, len(s.Vars))
	for k := range total {
		rest := k
		for i, v := range s.Vars {
			vals[i] = v.Decode(uint64(rest % v.Size()))
			rest /= v.Size()
		}
		for si, byEvent := range s.Table {
			for ei, rows := range byEvent {
				letters := []*spec.Letter{nil}
				if ev := s.Events[ei]; ev.Kind == spec.MessageEvent {
					letters = ev.Message.Letters
				}
				for _, lt := range letters {
					fired := 0
					for _, r := range rows {
						if r.Guard == nil || spec.Eval(r.Guard, guardEnv{vals, lt}) != 0 {
							fired++
						}
					}
					if fired > 1 {
						t.Fatalf("%d rows fire on %v in state %s with variables %v, letter %v", fired, s.Events[ei], s.States[si].Name, vals, lt)
					}
				}
			}
		}
	}
}
