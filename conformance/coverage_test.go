package conformance

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
)

// rowKey names a row by its first (state, event) pair, "FIN_WAIT_1/recv FIN_ACK",
// which survives edits elsewhere in the spec.
func rowKey(r *spec.Row) string { return r.From[0].Name + "/" + r.On[0].String() }

// rowLabel shows a row's states and events, shortened.
func rowLabel(r *spec.Row) string {
	from := make([]string, 0, len(r.From))
	for _, st := range r.From {
		from = append(from, st.Name)
	}
	on := make([]string, 0, len(r.On))
	for _, e := range r.On {
		on = append(on, e.String())
	}
	f := strings.Join(from, ",")
	if len(r.From) > 4 {
		f = fmt.Sprintf("%d states", len(r.From))
	}
	return f + " / " + strings.Join(on, ",")
}

// unreached says why Linux traffic does not reach a row of spec/tcp.yaml.
// Every row the scenarios leave unexercised must be listed here; a listed
// row that a scenario reaches is reported, so the list stays true.
var unreached = map[string]string{
	"LISTEN/ACTIVE_OPEN":          "listen-send: Linux cannot turn a listener into an active open (connect() on a listener fails).",
	"LISTEN/recv SYN_ACK":         "A listener answering stray ACK-bearing segments with a reset: the reset is sent with no socket behind it for the listener (tcp_v4_send_reset), so no trace attributes it to the LISTEN instance; not provoked.",
	"LISTEN/recv RST":             "A reset to a listener is dropped without any tracepoint; not provoked.",
	"SYN_RCVD/recv RST":           "listener-child: Linux's passive SYN_RCVD is a request socket, which no tracepoint reports; a reset there frees the request silently (guard passive).",
	"SYN_RCVD/timeout retransmit": "listener-child: SYN_ACK retransmissions belong to the untraced request socket (tcp:tcp_retransmit_synack is not mapped); a self-connect's SYN_RCVD lasts one segment.",
	"FIN_WAIT_1/recv FIN_ACK":     "fin-ack-split: Linux handles the ACK (→FIN_WAIT2, traced) before the FIN, so the spec's two-step path explains every trace.",
	"CLOSE_WAIT/recv FIN":         "A retransmitted FIN needs the peer's ACK lost; no scenario drops ACKs. The tracepoint reports no event for it.",
	"TIME_WAIT/recv FIN":          "The TIME_WAIT mini-socket is not traced (timewait-handover); a retransmitted FIN to it is invisible.",
	"CLOSING/recv RST":            "A reset in CLOSING or LAST_ACK needs a peer that aborts after closing; not provoked.",
	"TIME_WAIT/recv RST":          "rfc1337-off: the mini-socket is not traced; Linux kills it where the spec ignores the reset.",
	"CLOSING/ABORT":               "Reachable in Linux (shutdown(SHUT_WR) in CLOSE_WAIT, then close() with SO_LINGER 0 leaves LAST_ACK with no reset, as this row says), but calls are not recorded: LAST_ACK→CLOSE is explained by the shorter recv ACK_FIN.",
	"CLOSED/recv RST":             "A reset to a port with no socket is dropped silently (no tracepoint).",
	"CLOSED/SEND":                 "Calls on a socket with no connection fail in user space (EPIPE, ENOTCONN) before TCP's state machine; no tracepoint.",
	"LISTEN/PASSIVE_OPEN":         "Refused calls (listen() twice, connect() when connected) fail with an errno and change nothing; no tracepoint.",
	"SYN_SENT/ACTIVE_OPEN":        "As LISTEN/PASSIVE_OPEN: a refused call leaves no trace.",
	"SYN_SENT/SEND":               "SEND and RECEIVE change no state; the tracepoint reports state changes only.",
	"LISTEN/RECEIVE":              "As SYN_SENT/SEND.",
	"FIN_WAIT_1/SEND":             "As CLOSED/SEND: refused in user space (EPIPE), no tracepoint.",
	"CLOSING/RECEIVE":             "As CLOSED/SEND.",
	"LISTEN/STATUS":               "STATUS changes nothing and leaves no trace.",
}

// coverage reports the union of rows the Linux scenarios exercised, and
// fails if a row is neither reached nor explained.
func coverage(t *testing.T, outs []*Outcome) {
	t.Helper()
	if len(outs) == 0 {
		return
	}
	s := outs[0].Result.Spec
	by := map[int][]string{}
	for _, o := range outs {
		for _, r := range o.Result.Union {
			by[r] = append(by[r], o.Name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "coverage of %s by Linux traffic (%d scenarios): %d of %d rows\n", s.File, len(outs), len(by), len(s.Rows))
	for _, r := range s.Rows {
		if names, ok := by[r.Index]; ok {
			sort.Strings(names)
			fmt.Fprintf(&b, "  row %2d %s (%s): reached by %s\n", r.Index+1, rowLabel(r), r.Pos, strings.Join(names, ", "))
		}
	}
	for _, r := range s.Rows {
		if _, ok := by[r.Index]; ok {
			if why, listed := unreached[rowKey(r)]; listed && why != "" {
				t.Logf("row %d %s is listed as unreached but was reached", r.Index+1, rowKey(r))
			}
			continue
		}
		why := unreached[rowKey(r)]
		fmt.Fprintf(&b, "  row %2d %s (%s): not reached: %s\n", r.Index+1, rowLabel(r), r.Pos, why)
		if why == "" {
			t.Errorf("row %d %s (%s) is reached by no scenario and no reason is listed", r.Index+1, rowKey(r), r.Pos)
		}
	}
	t.Log("\n" + b.String())
}
