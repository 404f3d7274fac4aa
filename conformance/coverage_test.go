package conformance

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
)

// rowKey names a row by its first (state, event) pair and its guard,
// "FIN_WAIT_1/recv FIN_ACK if (msg.seq == irs) && (msg.ack == iss)", which
// survives edits elsewhere in the spec.
func rowKey(r *spec.Row) string {
	k := r.From[0].Name + "/" + r.On[0].String()
	if r.Guard != nil {
		k += " if " + r.Guard.String()
	}
	return k
}

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
	"LISTEN/ACTIVE_OPEN":  "listen-send: Linux cannot turn a listener into an active open (connect() on a listener fails).",
	"LISTEN/recv SYN_ACK": "Not provoked: a listener's reset to a stray ACK-bearing segment would need an injected segment and a captured reset; no scenario does it.",
	"LISTEN/recv RST":     "Not provoked: a reset to a listener is dropped with no tracepoint and no answer, so only its absence could be observed.",
	"SYN_RCVD/recv RST if (msg.seq == irs) && passive":                 synRcvd,
	"SYN_RCVD/recv RST if (msg.seq == irs) && !passive":                synRcvd,
	"SYN_RCVD/timeout retransmit":                                      "listener-child: SYN_ACK retransmissions belong to the untraced request socket (tcp:tcp_retransmit_synack is not mapped); a self-connect's SYN_RCVD lasts one segment.",
	"SYN_RCVD/recv ACK_SYN if (msg.seq == irs) && (msg.ack != iss)":    synRcvd,
	"SYN_RCVD/recv FIN_ACK if msg.seq == irs":                          synRcvd,
	"SYN_RCVD/recv ACK_SYN if msg.seq != irs":                          synRcvd,
	"SYN_RCVD/recv SYN":                                                synRcvd,
	"SYN_RCVD/recv SYN_ACK if (msg.seq != irs) || (msg.ack != iss)":    synRcvd,
	"SYN_RCVD/recv RST_ACK":                                            synRcvd,
	"FIN_WAIT_1/recv FIN_ACK if (msg.seq == irs) && (msg.ack == iss)":  "fin-ack-split: Linux handles the ACK (→FIN_WAIT2, traced) before the FIN, so the spec's two-step path explains every trace.",
	"CLOSE_WAIT/recv FIN if msg.seq == irs":                            retransmittedFIN,
	"CLOSING/recv FIN if msg.seq == irs":                               retransmittedFIN,
	"TIME_WAIT/recv FIN if msg.seq == irs":                             "timewait-handover: the TIME_WAIT mini-socket is not traced; a retransmitted FIN to it is invisible.",
	"TIME_WAIT/recv RST":                                               "rfc1337-off: the mini-socket is not traced; Linux kills it where the spec ignores the reset.",
	"CLOSED/recv RST":                                                  "Not provoked: a reset to a port with no socket is dropped with no tracepoint and no answer.",
	"CLOSED/recv SYN_ACK":                                              "Not provoked: an ACK-bearing segment to a port with no socket (answered <SEQ=SEG.ACK><CTL=RST>) needs a peer that vanished mid-connection; no scenario does it.",
	"CLOSING/RECEIVE":                                                  "Not recorded: once the peer's FIN is in, Linux's recv() returns end of file (0 bytes) where the spec refuses with \"connection closing\"; both say there is nothing to receive, and no errno tells a refusal apart.",
	"LISTEN/STATUS":                                                    "STATUS has no single Linux call (getsockopt(TCP_INFO) answers in every state, CLOSED included, where the spec refuses); not recorded.",
	"CLOSING/timeout retransmit":                                       "Not provoked: simultaneous_close retransmits its FINs in FIN_WAIT_1; none is lost once CLOSING is entered.",
	"CLOSING/recv ACK_FIN if (msg.seq == irs) && (msg.ack == iss)":     "timewait-handover: CLOSING→TIME_WAIT happens in the untraced mini-socket; the search explains it by CLOSING's other row into TIME_WAIT (the peer's FIN that acknowledges ours), the first it tries.",
	"FIN_WAIT_2/timeout fin_wait_2":                                    "Not provoked: tcp_fin_timeout is 60 s, which no scenario waits, and the orphaned FIN_WAIT2 it reaps is an untraced mini-socket.",
	"CLOSE_WAIT/recv SYN":                                              "Not provoked: rst_and_syn_in_established injects its SYN in ESTABLISHED; none is injected once the peer's FIN is in.",
	"ESTABLISHED/recv ACK_SYN":                                         duplicateACK,
	"FIN_WAIT_2/recv ACK_FIN":                                          duplicateACK,
	"SYN_SENT/recv ACK_SYN if msg.ack == iss":                          "Not provoked: an acceptable ACK without SYN in SYN_SENT comes from a peer still synchronized to an earlier incarnation of the four-tuple; every scenario's four-tuple is fresh.",
	"SYN_SENT/recv RST":                                                "Not provoked: Linux's resets to a SYN carry an ACK (RST_ACK); a reset without one would have to be injected.",
	"SYN_SENT/recv SYN_ACK if msg.ack != iss":                          otherIncarnation,
	"SYN_SENT/recv FIN_ACK":                                            otherIncarnation,
	"SYN_SENT/recv RST_ACK if msg.ack != iss":                          otherIncarnation,
	"ESTABLISHED/recv FIN if (msg.seq != irs) || (msg.ack != iss)":     otherIncarnation,
	"ESTABLISHED/recv FIN_ACK if (msg.seq == irs) && (msg.ack == iss)": "Not provoked: a FIN that acknowledges a FIN the receiver never sent; Linux's peers send none.",
	"ESTABLISHED/recv ACK_FIN if (msg.seq != irs) || (msg.ack != iss)": otherIncarnation,
	"FIN_WAIT_1/recv ACK_FIN if (msg.seq != irs) || (msg.ack != iss)":  otherIncarnation,
	"CLOSING/recv FIN_ACK if (msg.seq == irs) && (msg.ack != iss)":     otherIncarnation,
	"CLOSE_WAIT/recv FIN if msg.seq != irs":                            otherIncarnation,
}

// Reasons shared by several rows of unreached.
const (
	synRcvd          = "listener-child: a passive SYN_RCVD is a request socket, which no tracepoint reports (a reset or a stray segment is handled by it silently); an active SYN_RCVD (simultaneous open on loopback) lasts one segment, too short to aim a segment at."
	retransmittedFIN = "Not provoked: a retransmitted FIN needs the peer's ACK lost (no scenario drops ACKs), and no tracepoint reports its receipt."
	duplicateACK     = "Not recorded: a duplicate acknowledgement changes nothing, and no tracepoint reports it."
	otherIncarnation = "Not provoked: a segment of another incarnation of the four-tuple, or acknowledging numbers the receiver never sent; each scenario uses its four-tuples once and injects only a SYN and resets (rst_and_syn_in_established), so none reaches a socket."
)

// inserting are the deviations whose reading supplies events Linux did
// not show as such: the PASSIVE_OPEN written for the listener child, the
// ABORT read into a give-up or a reset on close, the CLOSED instance that
// answers a SYN with RST, the early end of a TIME_WAIT. A row reached only through them
// is counted apart from rows Linux traffic reached.
var inserting = map[string]bool{
	ListenerChild:    true,
	SynRetriesGiveUp: true,
	NoSocketReset:    true,
	ResetOnClose:     true,
	TimewaitReuse:    true,
}

// coverage reports the union of rows the Linux scenarios exercised, and
// fails if a row is neither reached nor explained. A step counts as Linux
// traffic unless its trace line was written by a deviation in inserting;
// rows reached only by those are reported separately.
func coverage(t *testing.T, outs []*Outcome) {
	t.Helper()
	if len(outs) == 0 {
		return
	}
	s := outs[0].Result.Machine
	by := map[int][]string{}
	byDev := map[int][]string{}
	for _, o := range outs {
		devAt := map[int]string{}
		for _, a := range o.Reading.Applied {
			if inserting[a.Deviation] && a.Line > 0 {
				devAt[a.Line] = a.Deviation
			}
		}
		direct, viaDev := map[int]bool{}, map[int]string{}
		for _, in := range o.Result.Instances {
			for _, st := range in.Steps {
				if st.Row < 0 {
					continue
				}
				if d, ok := devAt[st.Line]; ok {
					viaDev[st.Row] = d
				} else {
					direct[st.Row] = true
				}
			}
		}
		for r := range direct {
			by[r] = append(by[r], o.Name)
		}
		for r, d := range viaDev {
			if !direct[r] {
				byDev[r] = append(byDev[r], o.Name+" ("+d+")")
			}
		}
	}
	onlyDev := 0
	for r := range byDev {
		if _, ok := by[r]; !ok {
			onlyDev++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "coverage of %s by Linux traffic (%d scenarios): %d of %d rows; %d more only through a deviation's reading\n",
		s.File, len(outs), len(by), len(s.Rows), onlyDev)
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
		if names, ok := byDev[r.Index]; ok {
			sort.Strings(names)
			fmt.Fprintf(&b, "  row %2d %s (%s): only through a deviation's reading: %s\n", r.Index+1, rowLabel(r), r.Pos, strings.Join(names, ", "))
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
