package spec_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// tcpRow is one expected cell of the TCP transition table: in state from, on
// event on, when guard holds ("" for no guard), the machine goes to next,
// sends send, starts, stops and restarts timers, and reports err. Lists are
// space-separated.
type tcpRow struct {
	from, on, guard, next      string
	send, start, stop, restart string
	err                        string
}

// Segment names under the spec's abstraction (see tcp.yaml's header): ACK is
// split into ACK_SYN and ACK_FIN by what it acknowledges; FIN_ACK is a FIN
// that also acknowledges the receiver's FIN; RST_ACK is the reset that
// answers a SYN. Fields carry ISNs over 2: seq the sender's, ack the
// receiver's.
const (
	withACK      = "SYN_ACK ACK_SYN FIN FIN_ACK ACK_FIN"
	synchronized = "ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT"
)

// The acceptability tests of RFC 9293 §3.10.7 as the spec's guards print.
const (
	inWindow     = "msg.seq == irs"                       // SEG.SEQ in the receive window
	outOfWindow  = "msg.seq != irs"                       // another incarnation's
	acceptable   = "(msg.seq == irs) && (msg.ack == iss)" // in the window, acknowledging what we sent
	unacceptable = "(msg.seq != irs) || (msg.ack != iss)"
	acksOurSYN   = "msg.ack == iss"
	acksOther    = "msg.ack != iss"
	resetAnswer  = "RST(seq=msg.ack)" // <SEQ=SEG.ACK><CTL=RST>
	challengeSYN = "ACK_SYN(seq=iss, ack=irs)"
	challengeFIN = "ACK_FIN(seq=iss, ack=irs)"
	nextSYN      = "SYN(seq=!iss)" // a new incarnation's SYN, from the ISN clock
	openSYN      = "SYN(seq=iss)"  // the SYN of a passive OPEN turned active: the ISN its OPEN took
)

// tcpFromTable is TCP.md's transition table ("Transitions (§3.10.x; Figure
// 5)"), row by row in its order, each row expanded to the cells it covers,
// with the acceptability test that selects it. "recv X" is the arrival of
// segment X; timers are retransmit, time_wait and fin_wait_2.
var tcpFromTable = [][]tcpRow{
	// CLOSED | passive OPEN | LISTEN | create TCB
	{{from: "CLOSED", on: "PASSIVE_OPEN", next: "LISTEN"}},
	// CLOSED | active OPEN | SYN_SENT | SYN; start retransmission timer
	{{from: "CLOSED", on: "ACTIVE_OPEN", next: "SYN_SENT", send: nextSYN, start: "retransmit"}},
	// CLOSED | any segment without RST | CLOSED | RST (§3.10.7.1: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> for a SYN)
	append(expand("CLOSED", recv(withACK), tcpRow{next: "CLOSED", send: resetAnswer}),
		tcpRow{from: "CLOSED", on: "recv SYN", next: "CLOSED", send: "RST_ACK(ack=msg.seq)"}),
	// CLOSED | SEND/RECEIVE/CLOSE/ABORT | CLOSED | error "connection does not exist"
	expand("CLOSED", "SEND RECEIVE CLOSE ABORT", tcpRow{next: "CLOSED", err: "connection does not exist"}),
	// LISTEN | SYN | SYN_RCVD | SYN+ACK (our SYN is now outstanding: retransmit it)
	{{from: "LISTEN", on: "recv SYN", next: "SYN_RCVD", send: "SYN_ACK(seq=iss, ack=msg.seq)", start: "retransmit"}},
	// LISTEN | SEND (remote known) or active OPEN | SYN_SENT | SYN
	expand("LISTEN", "ACTIVE_OPEN SEND", tcpRow{next: "SYN_SENT", send: openSYN, start: "retransmit"}),
	// LISTEN | CLOSE or ABORT | CLOSED | nothing
	expand("LISTEN", "CLOSE ABORT", tcpRow{next: "CLOSED", stop: "retransmit"}),
	// LISTEN | ACK | LISTEN | RST (every segment but SYN and the resets carries an ACK)
	expand("LISTEN", recv(withACK), tcpRow{next: "LISTEN", send: resetAnswer}),
	// LISTEN | RST | LISTEN | ignored
	expand("LISTEN", "recv RST recv RST_ACK", tcpRow{next: "LISTEN"}),
	// SYN_SENT | SYN+ACK acking our SYN | ESTABLISHED | ACK
	{{from: "SYN_SENT", on: "recv SYN_ACK", guard: acksOurSYN, next: "ESTABLISHED", send: "ACK_SYN(seq=iss, ack=msg.seq)", stop: "retransmit"}},
	// SYN_SENT | SYN (no ACK): simultaneous open | SYN_RCVD | SYN+ACK (our SYN stays outstanding)
	{{from: "SYN_SENT", on: "recv SYN", next: "SYN_RCVD", send: "SYN_ACK(seq=iss, ack=msg.seq)"}},
	// SYN_SENT | RST with acceptable ACK | CLOSED | "connection reset"
	{{from: "SYN_SENT", on: "recv RST_ACK", guard: acksOurSYN, next: "CLOSED", stop: "retransmit", err: "connection reset"}},
	// SYN_SENT | CLOSE or ABORT | CLOSED | nothing
	expand("SYN_SENT", "CLOSE ABORT", tcpRow{next: "CLOSED", stop: "retransmit"}),
	// SYN_SENT | retransmission timeout | SYN_SENT | resend SYN
	{{from: "SYN_SENT", on: "timeout retransmit", next: "SYN_SENT", send: "SYN(seq=iss)", restart: "retransmit"}},
	// SYN_RCVD | ACK of our SYN | ESTABLISHED |
	{{from: "SYN_RCVD", on: "recv ACK_SYN", guard: acceptable, next: "ESTABLISHED", stop: "retransmit"}},
	// SYN_RCVD | RST | LISTEN if it came from a passive OPEN, else CLOSED ("connection refused")
	{
		{from: "SYN_RCVD", on: "recv RST", guard: "(msg.seq == irs) && passive", next: "LISTEN", stop: "retransmit"},
		{from: "SYN_RCVD", on: "recv RST", guard: "(msg.seq == irs) && !passive", next: "CLOSED", stop: "retransmit", err: "connection refused"},
	},
	// SYN_RCVD | FIN | CLOSE_WAIT | ACK (the FIN also acknowledges our SYN)
	{{from: "SYN_RCVD", on: "recv FIN", guard: acceptable, next: "CLOSE_WAIT", send: challengeFIN, stop: "retransmit"}},
	// SYN_RCVD | CLOSE | FIN_WAIT_1 | FIN
	{{from: "SYN_RCVD", on: "CLOSE", next: "FIN_WAIT_1", send: "FIN(seq=iss, ack=irs)", restart: "retransmit"}},
	// SYN_RCVD | ABORT | CLOSED | RST
	{{from: "SYN_RCVD", on: "ABORT", next: "CLOSED", send: "RST(seq=iss)", stop: "retransmit fin_wait_2"}},
	// SYN_RCVD | retransmission timeout | SYN_RCVD | resend SYN+ACK
	{{from: "SYN_RCVD", on: "timeout retransmit", next: "SYN_RCVD", send: "SYN_ACK(seq=iss, ack=irs)", restart: "retransmit"}},
	// ESTABLISHED | CLOSE | FIN_WAIT_1 | FIN
	{{from: "ESTABLISHED", on: "CLOSE", next: "FIN_WAIT_1", send: "FIN(seq=iss, ack=irs)", restart: "retransmit"}},
	// ESTABLISHED | FIN | CLOSE_WAIT | ACK
	{{from: "ESTABLISHED", on: "recv FIN", guard: acceptable, next: "CLOSE_WAIT", send: challengeFIN, stop: "retransmit"}},
	// ESTABLISHED | RST (exact sequence) | CLOSED | "connection reset" (in the window)
	{{from: "ESTABLISHED", on: "recv RST", guard: inWindow, next: "CLOSED", stop: "retransmit fin_wait_2", err: "connection reset"}},
	// ESTABLISHED | ABORT | CLOSED | RST
	{{from: "ESTABLISHED", on: "ABORT", next: "CLOSED", send: "RST(seq=iss)", stop: "retransmit fin_wait_2"}},
	// FIN_WAIT_1 | ACK of our FIN | FIN_WAIT_2 | (and the FIN_WAIT_2 timer: tcp.yaml's header)
	{{from: "FIN_WAIT_1", on: "recv ACK_FIN", guard: acceptable, next: "FIN_WAIT_2", start: "fin_wait_2", stop: "retransmit"}},
	// FIN_WAIT_1 | FIN, our FIN not yet acked: simultaneous close | CLOSING | ACK
	{{from: "FIN_WAIT_1", on: "recv FIN", guard: acceptable, next: "CLOSING", send: challengeFIN}},
	// FIN_WAIT_1 | FIN that also acks our FIN | TIME_WAIT | ACK; start 2MSL; stop other timers
	{{from: "FIN_WAIT_1", on: "recv FIN_ACK", guard: acceptable, next: "TIME_WAIT", send: challengeFIN, start: "time_wait", stop: "retransmit"}},
	// FIN_WAIT_1 | retransmission timeout | FIN_WAIT_1 | resend FIN
	{{from: "FIN_WAIT_1", on: "timeout retransmit", next: "FIN_WAIT_1", send: "FIN(seq=iss, ack=irs)", restart: "retransmit"}},
	// FIN_WAIT_2 | FIN | TIME_WAIT | ACK; start 2MSL (the peer's FIN may also ack ours)
	expand("FIN_WAIT_2", "recv FIN recv FIN_ACK", tcpRow{guard: acceptable, next: "TIME_WAIT", send: challengeFIN, start: "time_wait", stop: "fin_wait_2"}),
	// CLOSE_WAIT | CLOSE | LAST_ACK | FIN (which acknowledges the peer's FIN)
	{{from: "CLOSE_WAIT", on: "CLOSE", next: "LAST_ACK", send: "FIN_ACK(seq=iss, ack=irs)", start: "retransmit"}},
	// CLOSING | ACK of our FIN | TIME_WAIT | start 2MSL
	{{from: "CLOSING", on: "recv ACK_FIN", guard: acceptable, next: "TIME_WAIT", start: "time_wait", stop: "retransmit"}},
	// CLOSING | retransmission timeout | CLOSING | resend FIN (it acknowledges the peer's FIN: FIN_ACK)
	{{from: "CLOSING", on: "timeout retransmit", next: "CLOSING", send: "FIN_ACK(seq=iss, ack=irs)", restart: "retransmit"}},
	// LAST_ACK | ACK of our FIN | CLOSED | delete TCB
	{{from: "LAST_ACK", on: "recv ACK_FIN", guard: acceptable, next: "CLOSED", stop: "retransmit"}},
	// LAST_ACK | retransmission timeout | LAST_ACK | resend FIN (our FIN acks theirs: FIN_ACK)
	{{from: "LAST_ACK", on: "timeout retransmit", next: "LAST_ACK", send: "FIN_ACK(seq=iss, ack=irs)", restart: "retransmit"}},
	// TIME_WAIT | FIN (retransmitted) | TIME_WAIT | ACK; restart 2MSL
	expand("TIME_WAIT", "recv FIN recv FIN_ACK", tcpRow{guard: inWindow, next: "TIME_WAIT", send: challengeFIN, restart: "time_wait"}),
	// TIME_WAIT | 2MSL timeout | CLOSED | delete TCB
	{{from: "TIME_WAIT", on: "timeout time_wait", next: "CLOSED"}},
	// TIME_WAIT | RST | RFC 1337 §3 (fix F1): ignore it
	{{from: "TIME_WAIT", on: "recv RST", next: "TIME_WAIT"}},
	// CLOSING, LAST_ACK, TIME_WAIT | RST | CLOSED (TIME_WAIT: see RFC 1337 above)
	expand("CLOSING LAST_ACK", "recv RST", tcpRow{guard: inWindow, next: "CLOSED", stop: "retransmit"}),
	// CLOSING, LAST_ACK, TIME_WAIT | ABORT | CLOSED | nothing sent
	expand("CLOSING LAST_ACK TIME_WAIT", "ABORT", tcpRow{next: "CLOSED", stop: "retransmit time_wait"}),
	// any but CLOSED | user timeout | CLOSED | flush: not modelled (tcp.yaml's header:
	// the user timeout needs unacknowledged data to mean anything).
}

// tcpAcross are the cells that TCP.md states in prose below its table, and
// the RFC 9293 rules for calls (§3.10.1–3.10.6) and segments that the table
// leaves out.
var tcpAcross = [][]tcpRow{
	// A FIN arriving in CLOSE_WAIT, CLOSING, LAST_ACK or TIME_WAIT is a
	// duplicate: ACK it again, state unchanged (TIME_WAIT: in the table).
	expand("CLOSE_WAIT LAST_ACK", "recv FIN recv FIN_ACK", tcpRow{guard: inWindow, send: challengeFIN}),
	{
		{from: "CLOSING", on: "recv FIN", guard: inWindow, send: challengeFIN},
		{from: "CLOSING", on: "recv FIN_ACK", guard: "(msg.seq == irs) && (msg.ack != iss)", send: challengeFIN},
		// The peer's FIN again, now acknowledging ours: both FINs are acknowledged.
		{from: "CLOSING", on: "recv FIN_ACK", guard: acceptable, next: "TIME_WAIT", send: challengeFIN, start: "time_wait", stop: "retransmit"},
	},
	// An unacceptable segment in a synchronized state gets an ACK and is
	// dropped (§3.5.2): a SYN or SYN_ACK, whatever its number (RFC 5961 §4's
	// challenge ACK), acknowledging RCV.NXT.
	expand("ESTABLISHED FIN_WAIT_1 FIN_WAIT_2", "recv SYN recv SYN_ACK", tcpRow{send: challengeSYN}),
	expand("CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT", "recv SYN recv SYN_ACK", tcpRow{send: challengeFIN}),
	// A reset is never answered with a reset (§3.10.7.1).
	expand("CLOSED", "recv RST recv RST_ACK", tcpRow{}),
	// Simultaneous open (RFC 9293 Figure 7): in SYN_RCVD the peer's SYN_ACK
	// acknowledges our SYN.
	{{from: "SYN_RCVD", on: "recv SYN_ACK", guard: acceptable, next: "ESTABLISHED", stop: "retransmit"}},
	// ESTABLISHED/SYN_* and RST outside the table: the remaining synchronized states.
	expand("FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT", "recv RST", tcpRow{guard: inWindow, next: "CLOSED", stop: "retransmit fin_wait_2", err: "connection reset"}),
	// ABORT in FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT: send RST, go to CLOSED (§3.10.5).
	expand("FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT", "ABORT", tcpRow{next: "CLOSED", send: "RST(seq=iss)", stop: "retransmit fin_wait_2"}),
	// OPEN when a connection exists: "connection already exists" (§3.10.1).
	expand("LISTEN SYN_SENT SYN_RCVD "+synchronized, "PASSIVE_OPEN", tcpRow{err: "connection already exists"}),
	expand("SYN_SENT SYN_RCVD "+synchronized, "ACTIVE_OPEN", tcpRow{err: "connection already exists"}),
	// SEND: queued or sent (§3.10.2); after our CLOSE, "connection closing".
	expand("SYN_SENT SYN_RCVD ESTABLISHED CLOSE_WAIT", "SEND", tcpRow{}),
	expand("FIN_WAIT_1 FIN_WAIT_2 CLOSING LAST_ACK TIME_WAIT", "SEND CLOSE", tcpRow{err: "connection closing"}),
	// RECEIVE (§3.10.3); in CLOSE_WAIT only queued data remains.
	expand("LISTEN SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT", "RECEIVE", tcpRow{}),
	expand("CLOSING LAST_ACK TIME_WAIT", "RECEIVE", tcpRow{err: "connection closing"}),
	// STATUS (§3.10.6).
	{{from: "CLOSED", on: "STATUS", next: "CLOSED", err: "connection does not exist"}},
	expand("LISTEN SYN_SENT SYN_RCVD "+synchronized, "STATUS", tcpRow{}),
}

// tcpSequenced are the cells of RFC 9293's acceptability tests (§3.10.7)
// that TCP.md's table leaves to its prose: the segments each state drops
// or answers with a reset because their numbers are not its connection's,
// and the FIN_WAIT_2 timer (a deviation from the RFC's figure that real
// stacks make: tcp.yaml's header).
var tcpSequenced = [][]tcpRow{
	// SYN_SENT (§3.10.7.3): an ACK not of our SYN is answered
	// <SEQ=SEG.ACK><CTL=RST>; an acceptable one without SYN is dropped;
	// a reset counts only if its ACK acknowledges our SYN.
	expand("SYN_SENT", "recv SYN_ACK recv ACK_SYN recv FIN", tcpRow{guard: acksOther, send: resetAnswer}),
	expand("SYN_SENT", "recv FIN_ACK recv ACK_FIN", tcpRow{send: resetAnswer}),
	expand("SYN_SENT", "recv ACK_SYN recv FIN", tcpRow{guard: acksOurSYN}),
	{{from: "SYN_SENT", on: "recv RST"}, {from: "SYN_SENT", on: "recv RST_ACK", guard: acksOther}},
	// SYN_RCVD (§3.10.7.4): out of the window, dropped; in it, an ACK not of
	// our SYN is answered with a reset; a SYN is acknowledged and dropped.
	expand("SYN_RCVD", "recv ACK_SYN recv FIN", tcpRow{guard: "(msg.seq == irs) && (msg.ack != iss)", send: resetAnswer}),
	expand("SYN_RCVD", "recv FIN_ACK recv ACK_FIN", tcpRow{guard: inWindow, send: resetAnswer}),
	expand("SYN_RCVD", "recv ACK_SYN recv FIN recv FIN_ACK recv ACK_FIN", tcpRow{guard: outOfWindow}),
	{
		{from: "SYN_RCVD", on: "recv SYN", send: challengeSYN},
		{from: "SYN_RCVD", on: "recv SYN_ACK", guard: unacceptable, send: challengeSYN},
	},
	// Resets out of the window, and resets that answered a SYN (sequence
	// number 0, in no window), are dropped.
	expand("SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK", "recv RST", tcpRow{guard: outOfWindow}),
	expand("SYN_RCVD "+synchronized, "recv RST_ACK", tcpRow{}),
	// Acknowledgements that acknowledge nothing new, or are out of the
	// window or of another incarnation, change nothing.
	expand(synchronized, "recv ACK_SYN", tcpRow{}),
	expand("FIN_WAIT_2 CLOSE_WAIT TIME_WAIT", "recv ACK_FIN", tcpRow{}),
	expand("ESTABLISHED FIN_WAIT_1 CLOSING LAST_ACK", "recv ACK_FIN", tcpRow{guard: unacceptable}),
	{{from: "ESTABLISHED", on: "recv ACK_FIN", guard: acceptable}},
	expand("ESTABLISHED", "recv FIN_ACK", tcpRow{guard: acceptable}),
	// A FIN out of the window, or acknowledging what we did not send, is dropped.
	expand("ESTABLISHED FIN_WAIT_1 FIN_WAIT_2", "recv FIN recv FIN_ACK", tcpRow{guard: unacceptable}),
	expand("CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT", "recv FIN recv FIN_ACK", tcpRow{guard: outOfWindow}),
	// FIN_WAIT_2 gives up on the peer's FIN (Linux's tcp_fin_timeout).
	{{from: "FIN_WAIT_2", on: "timeout fin_wait_2", next: "CLOSED"}},
}

// expand makes one row per state of froms and event of ons (both
// space-separated; "recv X" and "timeout X" count as one event), like a
// spec row with lists in from and on. An empty next means "stays".
func expand(froms, ons string, r tcpRow) []tcpRow {
	var out []tcpRow
	for _, st := range strings.Fields(froms) {
		for _, ev := range events(ons) {
			c := r
			c.from, c.on = st, ev
			out = append(out, c)
		}
	}
	return out
}

func recv(msgs string) string {
	return "recv " + strings.Join(strings.Fields(msgs), " recv ")
}

func events(s string) []string {
	var out []string
	words := strings.Fields(s)
	for i := 0; i < len(words); i++ {
		if (words[i] == "recv" || words[i] == "timeout") && i+1 < len(words) {
			out = append(out, words[i]+" "+words[i+1])
			i++
			continue
		}
		out = append(out, words[i])
	}
	return out
}

func names[T any](xs []T, name func(T) string) string {
	var out []string
	for _, x := range xs {
		out = append(out, name(x))
	}
	return strings.Join(out, " ")
}

// sends lists a row's messages with their field values, as
// "RST(seq=msg.ack)".
func sends(r *spec.Row) string {
	var out []string
	for i, m := range r.Send {
		if len(m.Fields) == 0 {
			out = append(out, m.Name)
			continue
		}
		var fs []string
		for j, f := range m.Fields {
			fs = append(fs, f.Name+"="+r.SendFields[i][j].String())
		}
		out = append(out, m.Name+"("+strings.Join(fs, ", ")+")")
	}
	return strings.Join(out, " ")
}

func TestTCPTable(t *testing.T) {
	s := spectest.TCP(t)
	event := map[string]*spec.Event{}
	for _, e := range s.Events {
		event[e.String()] = e
	}
	type cell struct{ state, event, guard string }
	want := map[cell]tcpRow{}
	for _, group := range slices.Concat(tcpFromTable, tcpAcross, tcpSequenced) {
		for _, w := range group {
			if w.next == "" {
				w.next = w.from
			}
			c := cell{w.from, w.on, w.guard}
			if _, dup := want[c]; dup {
				t.Fatalf("the test lists %v twice", c)
			}
			want[c] = w
		}
	}
	// Every expected cell is in the table with its effect.
	for c, w := range want {
		st, ev := s.State(c.state), event[c.event]
		if st == nil || ev == nil {
			t.Errorf("%s/%s: no such state or event in the spec", c.state, c.event)
			continue
		}
		var row *spec.Row
		for _, r := range s.Table[st.Index][ev.Index] {
			g := ""
			if r.Guard != nil {
				g = r.Guard.String()
			}
			if g == c.guard {
				row = r
			}
		}
		if row == nil {
			t.Errorf("%s + %s (guard %q): no row; TCP.md: -> %s", c.state, c.event, c.guard, w.next)
			continue
		}
		got := tcpRow{
			from: c.state, on: c.event, guard: c.guard,
			next:    row.Target(st).Name,
			send:    sends(row),
			start:   names(row.Start, func(t *spec.Timer) string { return t.Name }),
			stop:    names(row.Stop, func(t *spec.Timer) string { return t.Name }),
			restart: names(row.Restart, func(t *spec.Timer) string { return t.Name }),
			err:     row.Error,
		}
		if got != w {
			t.Errorf("%s + %s (guard %q), row at %v:\n got %+v\nwant %+v", c.state, c.event, c.guard, row.Pos, got, w)
		}
	}
	// Every cell of the table is expected.
	for _, st := range s.States {
		for _, ev := range s.Events {
			for _, r := range s.Table[st.Index][ev.Index] {
				g := ""
				if r.Guard != nil {
					g = r.Guard.String()
				}
				if _, ok := want[cell{st.Name, ev.String(), g}]; !ok {
					t.Errorf("%s + %s (guard %q): row at %v is not in TCP.md", st.Name, ev, g, r.Pos)
				}
			}
		}
	}
}

func TestTCPShape(t *testing.T) {
	s := spectest.TCP(t)
	states := names(s.States, func(st *spec.State) string { return st.Name })
	if want := "CLOSED LISTEN SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT"; states != want {
		t.Errorf("states %s, want %s", states, want)
	}
	var initial []string
	for _, st := range s.States {
		if st.Initial {
			initial = append(initial, st.Name)
		}
	}
	if len(initial) != 1 || s.Initial == nil || s.Initial.Name != "CLOSED" {
		t.Errorf("initial states %v (Initial %v), want CLOSED only", initial, s.Initial)
	}
	if got := names(s.Messages, func(m *spec.Message) string { return m.Name }); got != "SYN SYN_ACK ACK_SYN FIN FIN_ACK ACK_FIN RST RST_ACK" {
		t.Errorf("messages %s", got)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings: %v", s.Warnings)
	}
	if s.Unhandled.Messages != spec.DropMessage || s.Unhandled.Calls != spec.RejectCall {
		t.Errorf("unhandled %+v", s.Unhandled)
	}
	if c := s.Check(""); c == nil || c.Name != "reliable" {
		t.Errorf("default check %v", c)
	}
}

func TestTCPTimeWaitTimer(t *testing.T) {
	for _, tc := range []struct {
		opts []spec.Option
		msl  time.Duration
	}{
		{nil, 2 * time.Minute},
		{[]spec.Option{spec.WithParam("MSL", 30*time.Second)}, 30 * time.Second},
		{[]spec.Option{spec.WithParam("MSL", time.Hour)}, time.Hour},
	} {
		s := spectest.TCP(t, tc.opts...)
		var tw *spec.Timer
		for _, tm := range s.Timers {
			if tm.Name == "time_wait" {
				tw = tm
			}
		}
		if tw == nil {
			t.Fatal("no timer time_wait")
		}
		if tw.AfterExpr != "2*MSL" || tw.After != 2*tc.msl {
			t.Errorf("MSL %v: time_wait after %q = %v, want 2*MSL = %v", tc.msl, tw.AfterExpr, tw.After, 2*tc.msl)
		}
		if s.Params[0].Name != "MSL" || s.Params[0].Value != tc.msl {
			t.Errorf("param %s = %v, want MSL = %v", s.Params[0].Name, s.Params[0].Value, tc.msl)
		}
	}
}

// TestTCPRFC1337: the spec takes RFC 1337's side: a RST in TIME_WAIT is
// ignored and the 2*MSL wait goes on, rather than RFC 9293's close.
func TestTCPRFC1337(t *testing.T) {
	s := spectest.TCP(t)
	tw := s.State("TIME_WAIT")
	var rst *spec.Event
	for _, e := range s.Events {
		if e.String() == "recv RST" {
			rst = e
		}
	}
	rows := s.Table[tw.Index][rst.Index]
	if len(rows) != 1 {
		t.Fatalf("%d rows for TIME_WAIT + recv RST", len(rows))
	}
	r := rows[0]
	if r.Target(tw) != tw || r.Guard != nil || len(r.Send)+len(r.Start)+len(r.Stop)+len(r.Restart)+len(r.Set) != 0 || r.Error != "" {
		t.Errorf("TIME_WAIT + recv RST (row at %v) does something: %+v", r.Pos, r)
	}
	if !strings.Contains(r.Doc, "RFC 1337") {
		t.Errorf("the row's doc does not cite RFC 1337: %q", r.Doc)
	}
}

// TestTCPSequencedChecks runs the checks that sequence numbers make hold,
// and the variants that must fail them, with the counterexample each
// failure must be: the model without sequence numbers deadlocks on a
// stale reset where tcp.yaml's lossy_any_fair holds; a copy whose
// synchronized states accept an RST_ACK is reset by the stale reset
// where stale_resets holds; a two-way handshake lets an
// old SYN open a connection where tcp.yaml's old_duplicate_syn holds;
// and without SYN_SENT's reset of an old SYN's SYN_ACK the connection
// never opens where old_syn_recovery holds.
func TestTCPSequencedChecks(t *testing.T) {
	run := func(t *testing.T, s *spec.Spec, check string) *modelcheck.Result {
		t.Helper()
		ck, err := modelcheck.New(s, spectest.Check(t, s, check), modelcheck.Workers(2))
		if err != nil {
			t.Fatal(err)
		}
		res, err := ck.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if v := res.Violation; v != nil {
			if err := ck.Confirm(v); err != nil {
				t.Errorf("%s: the counterexample does not replay: %v", check, err)
			}
		}
		return res
	}
	tcp := spectest.TCP(t)
	for _, check := range []string{"lossy_any", "lossy_any_fair", "stale_resets", "old_duplicate_syn", "old_syn_recovery"} {
		if res := run(t, tcp, check); !res.OK() {
			t.Errorf("spec/tcp.yaml %s: %+v (%s)", check, res.Violation, res.StopReason)
		}
	}
	load := func(name string) *spec.Spec { return spectest.Load(t, "testdata/"+name+".yaml") }

	// Without sequence numbers: the reset a closed server sent to the first
	// SYN resets the connection the early retransmission opened.
	v := run(t, load("tcp_unsequenced"), "lossy_any").Violation
	if v == nil || v.Kind != modelcheck.Deadlock || v.Depth != 11 {
		t.Fatalf("tcp_unsequenced lossy_any: %+v, want a deadlock after 11 steps", v)
	}
	var earlyRetransmit, staleReset bool
	for _, st := range v.Trace.Steps {
		earlyRetransmit = earlyRetransmit || st.Kind == "timeout" && st.Peer == "client" && st.From == "SYN_SENT"
		staleReset = staleReset || st.Kind == "deliver" && st.Peer == "client" && st.Message == "RST" && st.Error == "connection reset" && st.From != "SYN_SENT"
	}
	if !earlyRetransmit || !staleReset {
		t.Errorf("tcp_unsequenced: the deadlock is not the stale reset (early retransmission %v, stale reset %v)", earlyRetransmit, staleReset)
	}

	// With sequence numbers, but an RST_ACK accepted in the synchronized
	// states: the same stale reset (the closed server's answer to the first
	// SYN) resets the client that the early retransmission connected.
	v = run(t, load("tcp_rst_ack_accepted"), "stale_resets").Violation
	if v == nil || v.Kind != modelcheck.InvariantViolation || v.Property != "resets.none_stale" || v.Depth != 7 {
		t.Fatalf("tcp_rst_ack_accepted stale_resets: %+v, want resets.none_stale violated after 7 steps", v)
	}
	earlyRetransmit, staleReset = false, false
	for _, st := range v.Trace.Steps {
		earlyRetransmit = earlyRetransmit || st.Kind == "timeout" && st.Peer == "client" && st.From == "SYN_SENT"
		staleReset = staleReset || st.Kind == "deliver" && st.Peer == "client" && st.Message == "RST_ACK(ack=false)" && st.From == "ESTABLISHED" && st.To == "CLOSED"
	}
	if !earlyRetransmit || !staleReset {
		t.Errorf("tcp_rst_ack_accepted: the violation is not the stale reset (early retransmission %v, stale reset %v)", earlyRetransmit, staleReset)
	}

	// A two-way handshake: an old SYN, of an open the client gave up, opens
	// a connection when it reaches the listening server.
	v = run(t, load("tcp_two_way"), "old_duplicate_syn").Violation
	if v == nil || v.Kind != modelcheck.InvariantViolation || v.Property != "handshake.no_stale_connection" || v.Depth != 5 {
		t.Fatalf("tcp_two_way old_duplicate_syn: %+v, want handshake.no_stale_connection violated after 5 steps", v)
	}
	opens, opened := 0, ""
	for _, st := range v.Trace.Steps {
		if st.Kind == "call" && st.Peer == "client" && st.Event == "ACTIVE_OPEN" {
			opens++
		}
		if st.Kind == "deliver" && st.Peer == "server" && st.To == "ESTABLISHED" {
			opened = st.Message
		}
	}
	if opens != 2 || opened != "SYN(seq=false)" {
		t.Errorf("tcp_two_way: %d opens, the server established on %q; want two opens and the first one's SYN(seq=false)", opens, opened)
	}

	// SYN_SENT dropping the old SYN's SYN_ACK without a reset: the server
	// stays synchronized to the old ISN in SYN_RCVD, and the two sides
	// retransmit for ever (a lasso: 6 steps, then a cycle of 5).
	v = run(t, load("tcp_synsent_no_rst"), "old_syn_recovery").Violation
	if v == nil || v.Kind != modelcheck.LivenessViolation || v.Property != "connects" || v.Depth != 6 || v.Trace.LoopStart != 6 || len(v.Trace.Steps) != 11 {
		t.Fatalf("tcp_synsent_no_rst old_syn_recovery: %+v, want connects violated by a prefix of 6 steps and a cycle of 5", v)
	}
	for _, st := range v.Trace.Steps[v.Trace.LoopStart:] {
		if st.Peer == "server" && st.From != "SYN_RCVD" || st.Peer == "client" && st.From != "SYN_SENT" {
			t.Errorf("tcp_synsent_no_rst: the cycle leaves SYN_RCVD or SYN_SENT: %+v", st)
		}
	}
}

// TestTCPCopiesHeader requires the copies of tcp.yaml in testdata (all but
// the model before sequence numbers) to carry tcp.yaml's header as it is,
// below their own lines that say what they change: it describes the rows
// they share.
func TestTCPCopiesHeader(t *testing.T) {
	header := func(name string) string {
		t.Helper()
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		i, j := strings.Index(string(src), "# yaml-language-server"), strings.Index(string(src), "\nmachine: ")
		if i < 0 || j < i {
			t.Fatalf("%s: no header from the schema line to machine:", name)
		}
		return string(src[i:j])
	}
	want := header("tcp.yaml")
	files, _ := filepath.Glob("testdata/tcp_*.yaml")
	for _, f := range files {
		if filepath.Base(f) == "tcp_unsequenced.yaml" {
			continue
		}
		if header(f) != want {
			t.Errorf("%s: its header is not tcp.yaml's", f)
		}
	}
	if len(files) < 2 {
		t.Fatalf("testdata holds %d copies of tcp.yaml", len(files))
	}
}
