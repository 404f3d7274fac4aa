package gen

import (
	"fmt"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// This file holds what the Promela and TLA+ renderings of a timed check
// share (docs/semantics.md, "Timed checks"): a timed check adds, per peer
// and timer, the ticks left until the timer's deadline (0 while it is not
// armed), and per message in a channel with a lifetime its age, below the
// lifetime (stored only when the lifetime is more than a tick); the tick
// is one action.

// timerEffect is what a row does to one timer of its machine, as the
// remaining ticks see it.
type timerEffect int

const (
	timerKept      timerEffect = iota // the row leaves the timer alone
	timerStopped                      // disarmed: no ticks left
	timerStarted                      // armed; its full ticks when it was not armed before the row, else unchanged
	timerRestarted                    // armed; its full ticks
)

// rowTimer is what row r does to timer t. Stops come before starts and
// restarts, so a row that stops and starts t leaves it armed; whether t
// was armed is read before the row (after an expiry's disarm).
func rowTimer(r *spec.Row, t *spec.Timer) timerEffect {
	has := func(ts []*spec.Timer) bool {
		for _, x := range ts {
			if x == t {
				return true
			}
		}
		return false
	}
	switch {
	case has(r.Restart):
		return timerRestarted
	case has(r.Start):
		return timerStarted
	case has(r.Stop):
		return timerStopped
	}
	return timerKept
}

// timeNote describes a timed check's time for a rendering's header: the
// tick, every timer of ms in ticks with its early window, and the rules.
func timeNote(c *spec.Check, ms []*spec.Machine) string {
	var ts []string
	for _, m := range ms {
		for _, t := range m.Timers {
			name := t.Name
			if len(ms) > 1 {
				name = m.Name + "." + t.Name
			}
			x := fmt.Sprintf("%s %d", name, c.Ticks(m, t))
			if e := c.EarlyTicks(m, t); e > 0 {
				x += fmt.Sprintf(" (may fire up to %d early)", e)
			}
			ts = append(ts, x)
		}
	}
	note := fmt.Sprintf("Time: a tick is %s.", c.Time.Tick)
	if len(ts) > 0 {
		note += " Timers in ticks: " + strings.Join(ts, ", ") + "."
	}
	return note + " A timer fires when its deadline has come (or within its early window). A message is sent at age 0 (a duplicate keeps its original's age) and lives less than its channel's lifetime: the tick that would age it to the lifetime loses it in a lossy channel, and in a lossless one waits until it is delivered. So time passes by a tick only while no armed timer's deadline has come, no lossless channel holds a message of its last age, and something ages: a timer is armed or a channel with a lifetime holds a message."
}

// lifetimeNote is the part of a channel's description that gives its
// lifetime, or "" when its messages do not age.
func lifetimeNote(ch *spec.Channel) string {
	if ch.Lifetime == 0 {
		return ""
	}
	return ", lifetime " + ticks(ch.Lifetime)
}

// ticks is n ticks in words.
func ticks(n int) string {
	if n == 1 {
		return "1 tick"
	}
	return fmt.Sprintf("%d ticks", n)
}

// due is the condition that a timer with left ticks to go may fire, early
// ticks before its deadline at most; eq and le are the language's = and ≤.
func due(left string, early int, eq, le string) string {
	if early == 0 {
		return fmt.Sprintf("%s %s 0", left, eq)
	}
	return fmt.Sprintf("%s %s %d", left, le, early)
}

// ageNote names age age of channel ch's messages in comments: "" when
// its messages do not age.
func ageNote(ch *spec.Channel, age int) string {
	if ch.Ages() == 1 {
		return ""
	}
	return fmt.Sprintf(" at age %d", age)
}
