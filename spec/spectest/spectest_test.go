package spectest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// fatalTB records the message of a fatal failure and ends the goroutine,
// as testing's Fatal does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// fatal runs fn on a goroutine of its own and returns the message it
// failed with, or "" when it returned.
func fatal(fn func(tb testing.TB)) string {
	f := &fatalTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}

func TestHelpersReturn(t *testing.T) {
	tcp := spectest.TCP(t, spec.WithParam("MSL", time.Second))
	if s := spectest.Load(t, "../tcp.yaml"); len(s.States) != len(tcp.States) || len(s.Rows) != len(tcp.Rows) {
		t.Errorf("Load(../tcp.yaml) has %d states and %d rows, the embedded spec %d and %d", len(s.States), len(s.Rows), len(tcp.States), len(tcp.Rows))
	}
	if s := spectest.Parse(t, "m.yaml", []byte("machine: m\ncalls: [GO]\nstates: {A: {initial: true}}\ntransitions:\n  - {from: A, on: GO}\n")); s.Machine.Name != "m" {
		t.Errorf("Parse gave machine %q", s.Machine.Name)
	}
	for _, c := range tcp.Checks {
		if got := spectest.Check(t, tcp, c.Name); got != c {
			t.Errorf("Check(%s) gave check %s", c.Name, got.Name)
		}
	}
}

func TestHelpersFail(t *testing.T) {
	tcp := spectest.TCP(t)
	for _, tc := range []struct {
		name string
		fn   func(tb testing.TB)
		want string
	}{
		{"Load", func(tb testing.TB) { spectest.Load(tb, "testdata/missing.yaml") }, "testdata/missing.yaml"},
		{"Parse", func(tb testing.TB) { spectest.Parse(tb, "x.yaml", []byte("machine: [\n")) }, "x.yaml:"},
		{"TCP", func(tb testing.TB) { spectest.TCP(tb, spec.WithParam("TTL", time.Second)) }, "cannot set param TTL"},
		{"Check", func(tb testing.TB) { spectest.Check(tb, tcp, "missing") }, "spec/tcp.yaml has no check missing"},
	} {
		if got := fatal(tc.fn); !strings.Contains(got, tc.want) {
			t.Errorf("%s: failed with %q, want a message containing %q", tc.name, got, tc.want)
		}
	}
}
