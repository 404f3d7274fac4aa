package spec

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const timedSpec = `messages:
  PING: {}
  DATA: {fields: {bit: bool}}
machine: m
params: {MSL: 2s, RTO: 1s}
calls: [GO]
timers:
  rto: {after: RTO}
  linger: {after: 2*MSL}
states: {A: {initial: true}}
transitions:
  - {from: A, on: GO, send: PING, start: [rto, linger]}
  - {from: A, on: recv PING}
  - {from: A, on: recv DATA}
  - {from: A, on: timeout rto}
  - {from: A, on: timeout linger}
checks:
  untimed:
    peers: {a: {calls: {GO: 1}}, b: {}}
    network: {order: unordered, capacity: 2, loss: true, duplicate: true}
  timed:
    extends: untimed
    params: {MSL: 3*RTO}
    time: {tick: 500ms, early: {rto: 500ms}}
    peers: {b: {inbox: {order: ordered, lifetime: MSL}}}
    network: {lifetime: 1s}
`

// TestTimedIR: a timed check's params, ticks, early windows, lifetimes
// and actions, against the untimed check it extends.
func TestTimedIR(t *testing.T) {
	s := mustParse(t, "timed.yaml", timedSpec)
	u, c := s.Check("untimed"), s.Check("timed")
	m := s.Machine
	rto, linger := m.Timers[0], m.Timers[1]
	if u.Time != nil || u.Ticks(m, rto) != 0 || u.EarlyTicks(m, rto) != 0 {
		t.Errorf("untimed check: Time %v, ticks %d, early %d", u.Time, u.Ticks(m, rto), u.EarlyTicks(m, rto))
	}
	if c.Time == nil || c.Time.Tick != 500*time.Millisecond {
		t.Fatalf("timed check's Time is %+v", c.Time)
	}
	if msl := c.Params[0]; msl.Name != "MSL" || msl.Value != 3*time.Second || s.Params[0].Value != 2*time.Second {
		t.Errorf("check MSL %v, spec MSL %v: want 3s and 2s", msl.Value, s.Params[0].Value)
	}
	for _, tc := range []struct {
		got, want int
		what      string
	}{
		{c.Ticks(m, rto), 2, "rto ticks"},
		{c.Ticks(m, linger), 12, "linger ticks (2*MSL with the check's MSL of 3s)"},
		{c.EarlyTicks(m, rto), 1, "rto early ticks"},
		{c.EarlyTicks(m, linger), 0, "linger early ticks"},
		{c.Channels[0].Lifetime, 2, "lifetime of the channel to a (the network's 1s)"},
		{c.Channels[1].Lifetime, 6, "lifetime of the channel to b (its inbox's MSL)"},
		{c.Channels[0].Ages(), 2, "ages in the channel to a (a message lives less than its lifetime of 2 ticks: ages 0 and 1)"},
		{(&Channel{Lifetime: 1}).Ages(), 1, "ages in a channel with a lifetime of 1 tick (only 0)"},
		{u.Channels[0].Ages(), 1, "ages in an untimed channel"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.what, tc.got, tc.want)
		}
	}
	// The actions: calls, deliveries (per letter and age in a's unordered
	// channel, the head in b's ordered one), timeouts, the tick, losses and
	// duplications (per letter and age, then per slot).
	var got []string
	for _, a := range c.Actions() {
		x := fmt.Sprintf("%s/%d/%d/%s", a.Kind, a.Age, a.Slot, a.Class)
		if a.Letter != nil {
			x += "/" + a.Letter.String()
		}
		if a.Kind == TickAction && a.Peer != nil {
			t.Errorf("the tick has peer %s", a.Peer.Name)
		}
		got = append(got, x)
	}
	want := []string{
		"call/0/-1/call(a, GO)",
	}
	for _, lt := range []string{"PING", "DATA(bit=false)", "DATA(bit=true)"} {
		for age := range 2 {
			want = append(want, fmt.Sprintf("deliver/%d/-1/deliver(a, %s)/%s", age, lt, lt))
		}
	}
	want = append(want, "deliver/0/-1/deliver(b)",
		"timeout/0/-1/timeout(a, rto)", "timeout/0/-1/timeout(a, linger)",
		"timeout/0/-1/timeout(b, rto)", "timeout/0/-1/timeout(b, linger)",
		"tick/0/-1/tick")
	for _, k := range []string{"lose", "duplicate"} {
		for _, lt := range []string{"PING", "DATA(bit=false)", "DATA(bit=true)"} {
			for age := range 2 {
				want = append(want, fmt.Sprintf("%s/%d/-1//%s", k, age, lt))
			}
		}
	}
	for _, k := range []string{"lose", "duplicate"} {
		for slot := range 2 {
			want = append(want, fmt.Sprintf("%s/0/%d/", k, slot))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The untimed check's actions have no tick and no ages.
	for _, a := range u.Actions() {
		if a.Kind == TickAction || a.Age != 0 {
			t.Errorf("untimed check has action %s age %d", a.Kind, a.Age)
		}
	}

	// Format writes the check's params, time and lifetimes back.
	out, err := Format(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse("timed.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	c2 := s2.Check("timed")
	if c2.Time == nil || c2.Time.Tick != c.Time.Tick || c2.Time.Early["rto"] != c.Time.Early["rto"] || c2.Params[0].Value != 3*time.Second ||
		c2.Channels[0].Lifetime != 2 || c2.Channels[1].Lifetime != 6 || s2.Check("untimed").Time != nil {
		t.Errorf("after Format and Parse: time %+v, MSL %v, lifetimes %d %d\n%s", c2.Time, c2.Params[0].Value, c2.Channels[0].Lifetime, c2.Channels[1].Lifetime, out)
	}
}

// TestTimedOverrides: --set reaches a check's params and time.
func TestTimedOverrides(t *testing.T) {
	s := mustParse(t, "timed.yaml", timedSpec, Override("timed", "params.MSL", "4s"), Override("timed", "time.tick", "1s"), Override("timed", "time.early.rto", "0s"))
	c := s.Check("timed")
	if got := c.Ticks(s.Machine, s.Machine.Timers[1]); got != 8 {
		t.Errorf("linger: %d ticks, want 8 (2*MSL with MSL 4s, tick 1s)", got)
	}
	if c.Channels[1].Lifetime != 4 || c.EarlyTicks(s.Machine, s.Machine.Timers[0]) != 0 {
		t.Errorf("lifetime %d, early %d: want 4 and 0", c.Channels[1].Lifetime, c.EarlyTicks(s.Machine, s.Machine.Timers[0]))
	}
	_, err := Parse("timed.yaml", []byte(timedSpec), Override("timed", "time.tick", "400ms"), Override("timed", "time.early", "{}"))
	if err == nil || !strings.Contains(err.Error(), "timer rto lasts 1s (RTO), not a multiple of the tick 400ms (from --set time.tick=400ms)") {
		t.Errorf("tick 400ms: got %v", err)
	}
	_, err = Parse("timed.yaml", []byte(timedSpec), Override("untimed", "network.lifetime", "1s"))
	if err == nil || !strings.Contains(err.Error(), "lifetime needs a timed check") {
		t.Errorf("lifetime in an untimed check: got %v", err)
	}
}
