package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/fsmgen/fsmgen/trace"
)

// specState maps the kernel's state names to spec/tcp.yaml's.
var specState = map[string]string{
	"TCP_ESTABLISHED": "ESTABLISHED",
	"TCP_SYN_SENT":    "SYN_SENT",
	"TCP_SYN_RECV":    "SYN_RCVD",
	"TCP_FIN_WAIT1":   "FIN_WAIT_1",
	"TCP_FIN_WAIT2":   "FIN_WAIT_2",
	"TCP_TIME_WAIT":   "TIME_WAIT",
	"TCP_CLOSE":       "CLOSED",
	"TCP_CLOSE_WAIT":  "CLOSE_WAIT",
	"TCP_LAST_ACK":    "LAST_ACK",
	"TCP_LISTEN":      "LISTEN",
	"TCP_CLOSING":     "CLOSING",
}

// Record is one tracepoint hit or marker, as read from the trace text.
type Record struct {
	Line   int // in the trace text
	Event  string
	Fields map[string]string
	Text   string
}

var recordRE = regexp.MustCompile(`: (inet_sock_set_state|tcp_send_reset|tcp_receive_reset|tcp_retransmit_skb|tracing_mark_write): (.*)$`)

// ParseRecords reads tracefs's text output. Lines about other addresses
// than those starting with prefix (another namespace's traffic) are left
// out; lost events are an error.
func ParseRecords(text, prefix string) ([]Record, error) {
	var out []Record
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if strings.Contains(line, "LOST") && strings.Contains(line, "EVENTS") {
			return nil, fmt.Errorf("trace line %d: the kernel lost events: %s", i+1, strings.TrimSpace(line))
		}
		m := recordRE.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("trace line %d: not a recorded event: %s", i+1, strings.TrimSpace(line))
		}
		r := Record{Line: i + 1, Event: m[1], Fields: map[string]string{}, Text: m[2]}
		if r.Event == "tracing_mark_write" {
			if !strings.HasPrefix(m[2], markPrefix) {
				continue
			}
			// The scenario's own lines: "sock L R STATE" (a /proc/net/tcp line),
			// "seg L R MESSAGE REPLY" (L received MESSAGE, injected, and answered REPLY, captured),
			// "unacceptable-rst L R STATE" (an RST injected into L was not accepted; L is in STATE),
			// "call L R NAME" (written just before the system call that is the spec's call NAME),
			// "result L R NAME ok|refused|ETIMEDOUT" (written after it: refused is an errno meaning the call was
			// refused; ETIMEDOUT, a connect() that was accepted and timed out).
			f := strings.Fields(strings.TrimPrefix(m[2], markPrefix))
			switch {
			case len(f) == 4 && (f[0] == "sock" || f[0] == UnacceptableReset):
				r.Fields["state"] = f[3]
			case len(f) == 5 && f[0] == "seg":
				r.Fields["message"], r.Fields["reply"] = f[3], f[4]
			case len(f) == 4 && f[0] == "call":
				r.Fields["call"] = f[3]
			case len(f) == 5 && f[0] == "result" && (f[4] == "ok" || f[4] == "refused" || f[4] == "ETIMEDOUT"):
				r.Fields["call"], r.Fields["outcome"] = f[3], f[4]
			default:
				return nil, fmt.Errorf("trace line %d: bad marker %q", i+1, m[2])
			}
			r.Fields["kind"], r.Fields["local"], r.Fields["remote"] = f[0], f[1], f[2]
		} else {
			for _, kv := range strings.Fields(m[2]) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					r.Fields[k] = v
				}
			}
			switch r.Event {
			case "tcp_send_reset":
				r.Fields["local"], r.Fields["remote"] = r.Fields["src"], r.Fields["dest"]
			default:
				if r.Fields["family"] != "AF_INET" || (r.Fields["protocol"] != "" && r.Fields["protocol"] != "IPPROTO_TCP") {
					continue
				}
				r.Fields["local"] = r.Fields["saddr"] + ":" + r.Fields["sport"]
				r.Fields["remote"] = r.Fields["daddr"] + ":" + r.Fields["dport"]
			}
		}
		if !strings.HasPrefix(r.Fields["local"], prefix) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// Applied is one use of a deviation while reading.
type Applied struct {
	Deviation string
	Record    int // trace text line
	Line      int // the line of the trace JSONL writes (Lines[Line-2]: the header is line 1), 0 if none was written
}

// Reading is a record turned into a trace.
type Reading struct {
	// Header declares every call observed: the scenario writes a marker
	// for every system call it makes, so a call the record does not show
	// was not made, and the validator's search may supply only segments
	// and expiries.
	Header  trace.Header
	Lines   []trace.Line
	Source  []int // for each line, the trace text line it came from
	Applied []Applied
	// Transitions are the kernel's state changes per instance, "CLOSE→SYN_SENT", for the report.
	Transitions map[string][]string
}

type sockInst struct {
	id        string
	linux     string // the last Linux state traced
	spec      string // the spec state last asserted
	finished  bool
	handedOff bool // to a timewait mini-socket
	resetRecv bool
	pending   *Record // a →CLOSE waiting to see whether a reset follows
	// callLine is the index in Lines of the last call observed, -1 if none;
	// lastCall its name while no later call was made.
	callLine int
	lastCall string
	// gaveUp: SYN_SENT closed with no reset, read as the kernel's give-up
	// (syn-retries-exhausted); timedOut: connect() was seen to fail with
	// ETIMEDOUT, which that reading requires.
	gaveUp, timedOut bool
}

type reader struct {
	out   *Reading
	cur   map[string]*sockInst // by "local>remote"
	gen   map[string]int
	order []*sockInst
}

// Read turns records into trace lines for spec/tcp.yaml, one instance per
// socket (per four-tuple and generation), applying Deviations. A record
// that no rule explains is an error: nothing is dropped silently.
func Read(recs []Record) (*Reading, error) {
	header := trace.Header{Observed: []string{"call"}, Note: "every system call of the scenario is recorded"}
	rd := &reader{out: &Reading{Header: header, Transitions: map[string][]string{}}, cur: map[string]*sockInst{}, gen: map[string]int{}}
	for i := range recs {
		if err := rd.record(&recs[i]); err != nil {
			return nil, fmt.Errorf("trace line %d (%s: %s): %w", recs[i].Line, recs[i].Event, recs[i].Text, err)
		}
	}
	for _, in := range rd.order {
		rd.flush(in)
	}
	for _, in := range rd.order {
		if in.gaveUp && !in.timedOut {
			return nil, fmt.Errorf("%s: SYN_SENT closed with no reset, but connect() was not seen to fail with ETIMEDOUT: %s does not explain it", in.id, SynRetriesGiveUp)
		}
	}
	return rd.out, nil
}

// JSONL is the trace as `fsmgen trace` reads it: the header, then one
// line per observation.
func (r *Reading) JSONL() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(r.Header); err != nil {
		return nil, err
	}
	for _, l := range r.Lines {
		if err := enc.Encode(l); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

func (rd *reader) emit(in *sockInst, rec *Record, l trace.Line, dev string) {
	l.ID = in.id
	if dev != "" {
		l.Note = dev + ": " + deviation(dev).Reading
		rd.out.Applied = append(rd.out.Applied, Applied{Deviation: dev, Record: rec.Line, Line: len(rd.out.Lines) + 2})
	}
	if l.State != "" {
		in.spec = l.State
	}
	rd.out.Lines = append(rd.out.Lines, l)
	rd.out.Source = append(rd.out.Source, rec.Line)
}

func (rd *reader) newInst(key string) *sockInst {
	rd.gen[key]++
	in := &sockInst{id: fmt.Sprintf("%s#%d", key, rd.gen[key]), callLine: -1}
	rd.cur[key] = in
	rd.order = append(rd.order, in)
	return in
}

// flush settles a pending →CLOSE that no reset followed: the user's
// abort, a handover to a timewait mini-socket, the kernel's give-up in
// SYN_SENT, or plain CLOSED.
func (rd *reader) flush(in *sockInst) {
	rec := in.pending
	if rec == nil {
		return
	}
	in.pending = nil
	old := rec.Fields["oldstate"]
	if in.lastCall != "ABORT" && (old == "TCP_FIN_WAIT2" || old == "TCP_CLOSING") {
		in.handedOff, in.finished = true, false
		rd.emit(in, rec, trace.Line{State: specState[old]}, TimewaitHandover)
		return
	}
	if in.lastCall == "ABORT" {
		// The user's abort, which sent no reset.
		rd.out.Lines[in.callLine].Send = &[]string{}
		rd.emit(in, rec, trace.Line{State: "CLOSED"}, "")
		return
	}
	if rec.Fields["oldstate"] == "TCP_SYN_SENT" && !in.resetRecv {
		in.gaveUp = true
		rd.emit(in, rec, trace.Line{Event: "ABORT", Send: &[]string{}, State: "CLOSED"}, SynRetriesGiveUp)
		return
	}
	rd.emit(in, rec, trace.Line{State: "CLOSED"}, "")
}

func (rd *reader) record(rec *Record) error {
	key := rec.Fields["local"] + ">" + rec.Fields["remote"]
	in := rd.cur[key]
	switch rec.Event {
	case "inet_sock_set_state":
		return rd.setState(rec, key, in)
	case "tcp_receive_reset":
		if in == nil || in.finished {
			return fmt.Errorf("reset received by a socket not seen before")
		}
		rd.flush(in)
		in.resetRecv = true
		// Linux accepted the reset (tcp_reset), so its numbers are the
		// connection's. The tracepoint does not carry them: the line names
		// the message only, and trace tries its letters (the state that
		// follows chooses). In SYN_SENT it is the answer to our SYN, whose
		// ACK makes it acceptable there: RST_ACK.
		msg := "RST"
		if in.linux == "TCP_SYN_SENT" {
			msg = "RST_ACK"
		}
		rd.emit(in, rec, trace.Line{Event: "recv " + msg}, "")
	case "tcp_send_reset":
		if rec.Fields["state"] == "UNKNOWN" {
			peer := rd.cur[rec.Fields["remote"]+">"+rec.Fields["local"]]
			if peer == nil || peer.linux != "TCP_SYN_SENT" {
				return fmt.Errorf("a reset with no socket, and no peer in SYN_SENT")
			}
			nin := rd.newInst("closed " + key)
			rd.emit(nin, rec, trace.Line{Event: "recv SYN", Send: &[]string{"RST_ACK"}, State: "CLOSED"}, NoSocketReset)
			nin.finished = true
			return nil
		}
		if in == nil || in.pending == nil {
			return fmt.Errorf("a reset sent by a socket that is not closing")
		}
		in.pending = nil
		if in.lastCall == "ABORT" {
			// The reset of the user's abort.
			rd.out.Lines[in.callLine].Send = &[]string{"RST"}
			rd.emit(in, rec, trace.Line{State: "CLOSED"}, "")
			return nil
		}
		rd.emit(in, rec, trace.Line{Event: "ABORT", Send: &[]string{"RST"}, State: "CLOSED"}, ResetOnClose)
	case "tcp_retransmit_skb":
		if in == nil || in.finished {
			return fmt.Errorf("retransmission by a socket not seen before")
		}
		rd.flush(in)
		switch rec.Fields["state"] {
		case "TCP_SYN_SENT", "TCP_SYN_RECV", "TCP_FIN_WAIT1", "TCP_CLOSING", "TCP_LAST_ACK":
			rd.emit(in, rec, trace.Line{Event: "timeout retransmit"}, "")
		case "TCP_ESTABLISHED", "TCP_CLOSE_WAIT":
			rd.emit(in, rec, trace.Line{State: specState[rec.Fields["state"]]}, DataRetransmit)
		default:
			return fmt.Errorf("retransmission in %s", rec.Fields["state"])
		}
	case "tracing_mark_write":
		if in != nil {
			rd.flush(in)
		}
		switch rec.Fields["kind"] {
		case "call":
			if in == nil || in.finished {
				in = rd.newInst(key)
			}
			in.callLine, in.lastCall = len(rd.out.Lines), rec.Fields["call"]
			rd.emit(in, rec, trace.Line{Event: rec.Fields["call"], Note: "the scenario's system call"}, "")
			return nil
		case "result":
			if in == nil || in.callLine < 0 || rd.out.Lines[in.callLine].Event != rec.Fields["call"] {
				return fmt.Errorf("the outcome of a call that was not recorded")
			}
			refused := rec.Fields["outcome"] == "refused"
			rd.out.Lines[in.callLine].Refused = &refused
			if rec.Fields["outcome"] == "ETIMEDOUT" {
				in.timedOut = true
			}
			return nil
		case "seg":
			if in == nil || in.finished {
				return fmt.Errorf("a segment injected into a socket not seen before")
			}
			rd.emit(in, rec, trace.Line{Event: "recv " + rec.Fields["message"], Send: &[]string{rec.Fields["reply"]},
				Note: "segment injected by the scenario; its answer captured on loopback"}, "")
			return nil
		case UnacceptableReset:
			if in == nil || in.finished {
				return fmt.Errorf("a reset injected into a socket not seen before")
			}
			st, ok := specState[rec.Fields["state"]]
			if !ok {
				return fmt.Errorf("unknown state %s", rec.Fields["state"])
			}
			rd.emit(in, rec, trace.Line{Event: "recv RST", State: st}, UnacceptableReset)
			return nil
		}
		if in != nil && in.handedOff && !in.finished {
			st, ok := map[string]string{"TCP_TIME_WAIT": "TIME_WAIT", "TCP_FIN_WAIT2": "FIN_WAIT_2"}[rec.Fields["state"]]
			if !ok {
				return fmt.Errorf("a timewait mini-socket in %s", rec.Fields["state"])
			}
			if st != in.spec {
				rd.emit(in, rec, trace.Line{State: st}, TimewaitProc)
			}
		}
		// Live sockets' states are traced by the kernel; the marker adds nothing for them.
	}
	return nil
}

func (rd *reader) setState(rec *Record, key string, in *sockInst) error {
	old, nw := rec.Fields["oldstate"], rec.Fields["newstate"]
	if _, ok := specState[nw]; !ok {
		return fmt.Errorf("unknown state %s", nw)
	}
	if in != nil {
		rd.flush(in)
	}
	switch {
	case in != nil && in.handedOff && !in.finished && old == "TCP_LISTEN":
		// A new connection on the four-tuple of a TIME_WAIT mini-socket.
		if in.spec != "TIME_WAIT" {
			return fmt.Errorf("a new connection reuses a mini-socket seen in %s, not TIME_WAIT", in.spec)
		}
		rd.emit(in, rec, trace.Line{Event: "timeout time_wait", State: "CLOSED"}, TimewaitReuse)
		in.finished = true
		in = nil
	case in != nil && in.finished:
		in = nil
	}
	if in == nil || in.linux == "" {
		if in == nil {
			in = rd.newInst(key)
		}
		switch old {
		case "TCP_CLOSE":
		case "TCP_LISTEN":
			rd.emit(in, rec, trace.Line{Event: "PASSIVE_OPEN", State: "LISTEN"}, ListenerChild)
		default:
			return fmt.Errorf("a socket first seen leaving %s", old)
		}
	} else if in.linux != old {
		return fmt.Errorf("the socket was last traced in %s, not %s", in.linux, old)
	}
	in.linux = nw
	rd.out.Transitions[in.id] = append(rd.out.Transitions[in.id], strings.TrimPrefix(old, "TCP_")+"→"+strings.TrimPrefix(nw, "TCP_"))
	switch {
	case nw == "TCP_CLOSE" && in.resetRecv:
		if last := len(rd.out.Lines) - 1; last >= 0 && rd.out.Lines[last].ID == in.id && rd.out.Lines[last].Event == "recv RST" && rd.out.Lines[last].State == "" {
			// The reset and the close it causes are one step: observe them on one line.
			rd.out.Lines[last].State = "CLOSED"
			in.spec = "CLOSED"
		} else {
			rd.emit(in, rec, trace.Line{State: "CLOSED"}, "")
		}
		in.finished = true
	case nw == "TCP_CLOSE":
		// An abort, a handover to a timewait mini-socket or a plain close:
		// whether a reset follows decides (flush).
		in.pending = rec
		in.finished = true
	default:
		rd.emit(in, rec, trace.Line{State: specState[nw]}, "")
	}
	return nil
}
