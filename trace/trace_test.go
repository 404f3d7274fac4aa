package trace_test

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
	"github.com/fsmgen/fsmgen/trace"
)

func validateFile(t *testing.T, s *spec.Spec, path string) *trace.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := trace.Validate(s, f, path, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rowOf is the index of the row of s that leaves from on event on with
// guard if ("" for none), found by what it says rather than where it
// stands, so that the tests outlive edits to the spec's comments.
// The guards of SYN_RCVD's two rows for an acceptable reset: back to
// LISTEN after a passive open, to CLOSED after an active one.
const (
	rstListen = "(msg.seq == irs) && passive"
	rstClosed = "(msg.seq == irs) && !passive"
)

func rowOf(t *testing.T, s *spec.Spec, from, on, guard string) int {
	t.Helper()
	for _, r := range s.Rows {
		g := ""
		if r.Guard != nil {
			g = r.Guard.String()
		}
		if len(r.From) > 0 && r.From[0].Name == from && len(r.On) > 0 && r.On[0].String() == on && g == guard {
			return r.Index
		}
	}
	t.Fatalf("no row from %s on %s if %q", from, on, guard)
	return -1
}

type verdict struct {
	line   int    // divergence line, 0: accepted
	states string // states at the divergence, or at the end
	reason string // substring of the reason
}

func check(t *testing.T, res *trace.Result, want map[string]verdict) {
	t.Helper()
	if len(res.Instances) != len(want) {
		t.Fatalf("%d instances, want %d", len(res.Instances), len(want))
	}
	for _, in := range res.Instances {
		w, ok := want[in.ID]
		if !ok {
			t.Fatalf("unexpected instance %q", in.ID)
		}
		if d := in.Divergence; d != nil {
			if w.line != d.Line || strings.Join(d.States, ",") != w.states || !strings.Contains(d.Reason, w.reason) {
				t.Errorf("%s: diverges at line %d in %v: %s; want line %d in %s: %s", in.ID, d.Line, d.States, d.Reason, w.line, w.states, w.reason)
			}
			continue
		}
		if w.line != 0 || strings.Join(in.States, ",") != w.states {
			t.Errorf("%s: accepted, ending in %v; want line %d, states %s", in.ID, in.States, w.line, w.states)
		}
	}
}

func TestTCPConforming(t *testing.T) {
	s := spectest.TCP(t)
	res := validateFile(t, s, "testdata/tcp_conform.jsonl")
	check(t, res, map[string]verdict{"client": {states: "CLOSED"}, "server": {states: "CLOSED"}, "simul": {states: "CLOSED"}, "calls": {states: "LISTEN"}})
	if !res.OK() {
		t.Fatal("not OK")
	}
	// The server's PASSIVE_OPEN, the third segment and the final ACK were not logged: the search supplies
	// them with the field values that fit (the ISNs of the connection), and of the two events of the row
	// SYN_RCVD -> ESTABLISHED it names the first (recv ACK_SYN).
	var hidden []string
	for _, st := range res.Instances[1].Steps {
		if st.Hidden {
			hidden = append(hidden, st.Event)
		}
	}
	if want := []string{"PASSIVE_OPEN", "recv ACK_SYN(seq=false, ack=false)", "recv ACK_FIN(seq=false, ack=false)"}; !reflect.DeepEqual(hidden, want) {
		t.Errorf("server's unobserved events %v, want %v", hidden, want)
	}
	// The guard: the simultaneous open's reset closes (the open was active).
	simul := res.Instances[2]
	if got, want := simul.Rows, []int{rowOf(t, s, "CLOSED", "ACTIVE_OPEN", ""), rowOf(t, s, "SYN_SENT", "recv SYN", ""), rowOf(t, s, "SYN_RCVD", "recv RST", rstClosed)}; !reflect.DeepEqual(got, want) {
		t.Errorf("simul rows %v, want %v", got, want)
	}
	if len(res.Union) != 19 {
		t.Errorf("union %d rows, want 19: %v", len(res.Union), res.Union)
	}
}

func TestTCPDiverging(t *testing.T) {
	s := spectest.TCP(t)
	res := validateFile(t, s, "testdata/tcp_diverge.jsonl")
	check(t, res, map[string]verdict{
		"a": {line: 5, states: "SYN_RCVD", reason: "the spec goes to CLOSED"},
		"b": {line: 6, states: "SYN_RCVD", reason: "timer time_wait is not armed"},
		"c": {line: 8, states: "ESTABLISHED", reason: "the spec sends RST"},
		"d": {line: 12, states: "FIN_WAIT_2", reason: "the spec refuses the call"},
	})
	d := res.Instances[0].Divergence
	// Both recv RST rows of SYN_RCVD are candidates in general; with passive false only the closing one applies.
	if !contains(d.Could, rowOf(t, s, "SYN_RCVD", "recv RST", rstClosed)) || contains(d.Could, rowOf(t, s, "SYN_RCVD", "recv RST", rstListen)) {
		t.Errorf("rows that could have applied %v", d.Could)
	}
	// Lines after a divergence are counted, not judged.
	if res.Instances[0].Lines != 4 {
		t.Errorf("a: %d lines, want 4", res.Instances[0].Lines)
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestDoorConforming(t *testing.T) {
	s := spectest.Load(t, "../spec/testdata/good/door.yaml")
	res := validateFile(t, s, "testdata/door_conform.jsonl")
	check(t, res, map[string]verdict{"front": {states: "LOCKED"}, "back": {states: "CLOSED"}})
	// The two SERVICE rows are told apart by their guards on mode.
	front := res.Instances[0]
	var rows []int
	for _, st := range front.Steps {
		if st.Event == "SERVICE" {
			rows = append(rows, st.Row)
		}
	}
	if want := []int{5, 6}; !reflect.DeepEqual(rows, want) {
		t.Errorf("SERVICE fired rows %v, want %v", rows, want)
	}
	// OPEN in LOCKED is unhandled and refused (calls: reject): it conforms and changes nothing.
	last := front.Steps[len(front.Steps)-1]
	if last.Event != "OPEN" || !last.Refused || last.Row != -1 {
		t.Errorf("last step %+v", last)
	}
}

func TestDoorDiverging(t *testing.T) {
	s := spectest.Load(t, "../spec/testdata/good/door.yaml")
	res := validateFile(t, s, "testdata/door_diverge.jsonl")
	check(t, res, map[string]verdict{
		"front": {line: 3, states: "LOCKED", reason: "timer relock is not armed"},
		"back":  {line: 2, states: "CLOSED", reason: "the spec sends OPEN_REQ"},
		"side":  {line: 7, states: "LOCKED", reason: "no sequence of unobserved events reaches OPENED (every snapshot reachable was tried)"},
	})
}

func TestSearchDepth(t *testing.T) {
	s := spectest.TCP(t)
	in := `{"id":"x","state":"TIME_WAIT"}`
	// CLOSED to TIME_WAIT takes at least four events (open, handshake, close, the peer's FIN_ACK).
	for depth, ok := range map[int]bool{3: false, 4: true} {
		res, err := trace.Validate(s, strings.NewReader(in), "t", trace.Options{MaxDepth: depth})
		if err != nil {
			t.Fatal(err)
		}
		if res.OK() != ok {
			t.Errorf("depth %d: OK %v, want %v", depth, res.OK(), ok)
		}
		if ok && len(res.Instances[0].Steps) != 4 {
			t.Errorf("depth %d: %d steps, want 4", depth, len(res.Instances[0].Steps))
		}
	}
}

func TestBadInput(t *testing.T) {
	s := spectest.TCP(t)
	for _, tc := range []struct{ in, want string }{
		{"{\"id\":\"a\",\"state\":\"LISTEN\"}\n{\"id\": \"a\", \"state\": }\n", "t:2:22: bad JSON"},
		{"\n  {\"id\":\"a\",\"event\":\"recv SYNN\"}\n", `t:2:13: event "recv SYNN": machine tcp has no message SYNN`},
		{`{"id":"a","state":"OPEN"}`, `t:1:11: state "OPEN": machine tcp has no such state`},
		{`{"state":"LISTEN"}`, `t:1:1: missing "id"`},
		{`{"id":"a"}`, `t:1:2: a line needs "event" or "state"`},
		{`{"id":"a","event":"CLOSE","send":["SYNACK"]}`, `t:1:27: send "SYNACK"`},
		{`{"id":"a","event":"CLOSE","colour":1}`, `t:1:27: bad JSON: unknown key "colour"`},
		// The column is the key's, not an earlier string value that reads like it.
		{`{"id":"state","state":"OPEN"}`, `t:1:15: state "OPEN": machine tcp has no such state`},
		{`{"note":"\"send\"","id":"a","event":"CLOSE","send":["SYNACK"]}`, `t:1:45: send "SYNACK"`},
		{`{"id":"a","event":"CLOSE","send":"SYN"}`, `t:1:34: bad JSON: "send" must be a list of message names, not string`},
		{`{"id":"a","event":"CLOSE","id":"b"}`, `t:1:27: bad JSON: key "id" given twice`},
		{`{"id":"a","event":"CLO`, `t:1:23: bad JSON: the line ends inside a value`},
		{`{"id":"a","event":"CLOSE"`, `t:1:26: bad JSON: the line ends inside a value`},
		{`  ["a"]`, `t:1:3: bad JSON: want an object`},
		{`{"id":"a","event":"recv SYN","fields":{"seq":false,"bit":true}}`, `t:1:52: message SYN has no field bit`},
		{`{"id":"a","event":"CLOSE","fields":{}}`, `t:1:27: "fields" belongs on a line whose event is a receipt`},
		{"", `t:1:1: no observations: the trace is empty`},
		{"\n  \n\n", `t:3:1: no observations: the trace is 3 blank lines`},
		{`{"id":"a","event":"CLOSE"} {"id":"b"}`, `t:1:28: bad JSON: more than one value`},
		{`{"id":"a","event":"sideways CLOSE"}`, `want CALL, recv MESSAGE or timeout TIMER`},
		{`{"id":"a","event":"recv SYN","fields":{"seq":false},"refused":true}`, `t:1:53: "refused" belongs on a line whose event is a call`},
	} {
		_, err := trace.Validate(s, strings.NewReader(tc.in), "t", trace.Options{})
		var ie *trace.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestMessageFields(t *testing.T) {
	s := spectest.Load(t, "../examples/abp/abp.yaml")
	validate := func(path, machine string) *trace.Result {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		res, err := trace.Validate(s, f, path, trace.Options{Machine: machine})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := validate("testdata/abp_sender_conform.jsonl", "sender")
	check(t, res, map[string]verdict{"s1": {states: "READY"}, "s2": {states: "WAIT"}})
	var events []string
	for _, st := range res.Instances[1].Steps {
		events = append(events, fmt.Sprintf("%s/%v/%s", st.Event, st.Hidden, strings.Join(st.Sent, ",")))
	}
	// The unobserved receipt is found among every letter of ACK: only bit=false acknowledges the first item.
	if want := []string{"SEND/false/DATA(bit=false, item=0)", "recv ACK(bit=false)/true/", "SEND/false/DATA(bit=true, item=1)"}; !reflect.DeepEqual(events, want) {
		t.Errorf("s2 steps %v, want %v", events, want)
	}
	res = validate("testdata/abp_sender_diverge.jsonl", "sender")
	check(t, res, map[string]verdict{
		"s1": {line: 2, states: "WAIT", reason: "the spec goes to WAIT"},
		"s2": {line: 3, states: "READY", reason: "the spec sends DATA(bit=false, item=0)"},
		"s3": {line: 6, states: "READY", reason: "the spec sends DATA(bit=true, item=1)"},
		"s4": {line: 7, states: "READY", reason: "the spec sends DATA(bit=false, item=0)"},
	})
	if d := res.Instances[0].Divergence; d.Observed != `event "recv ACK", fields {"bit":true}, state READY` {
		t.Errorf("s1 observed %q", d.Observed)
	}
	res = validate("testdata/abp_receiver.jsonl", "receiver")
	check(t, res, map[string]verdict{
		"r1": {states: "RECV"},
		"r2": {line: 4, states: "RECV", reason: "the spec sends ACK(bit=true)"},
	})

	for _, tc := range []struct{ in, want string }{
		{`{"id":"r","event":"recv DATA","fields":{}}`, `t:1:31: message DATA: field bit is missing`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":1}}`, `t:1:47: message DATA: field bit is a bool: want true or false, not 1`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true}}`, `t:1:31: message DATA: field item is missing`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":0,"seq":2}}`, `t:1:61: message DATA has no field seq (its fields: bit, item)`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"iten":0}}`, `t:1:52: message DATA has no field iten (its fields: bit, item)`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":4}}`, `t:1:59: message DATA: field item: 4 is out of its range 0..3`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":1.5}}`, `t:1:59: message DATA: field item is an int: want an integer from 0 to 3, not 1.5`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":"1"}}`, `t:1:59: message DATA: field item is an int`},
		{`{"id":"r","event":"recv DATA","fields":[true]}`, `t:1:40: bad JSON: "fields" must be an object`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":0},"send":["ACK(bit=maybe)"]}`, `t:1:62: send "ACK(bit=maybe)": field bit is a bool`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":0},"send":["ACK(parity=true)"]}`, `send "ACK(parity=true)": message ACK has no field parity`},
		{`{"id":"r","event":"recv DATA","fields":{"bit":true,"item":0},"send":["ACK()"]}`, `send "ACK()": want MESSAGE(field=value, ...)`},
	} {
		_, err := trace.Validate(s, strings.NewReader(tc.in), "t", trace.Options{Machine: "receiver"})
		var ie *trace.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestReceiptWithoutFields: a receipt that names the message but not its
// field values may be of any letter; the lines after it choose.
func TestReceiptWithoutFields(t *testing.T) {
	s := spectest.TCP(t)
	for _, tc := range []struct {
		in   string
		line int // of the divergence; 0: accepted
	}{
		// A reset in the window closes ESTABLISHED; one out of it is dropped.
		{"{\"id\":\"x\",\"state\":\"ESTABLISHED\"}\n{\"id\":\"x\",\"event\":\"recv RST\",\"state\":\"CLOSED\"}\n", 0},
		{"{\"id\":\"x\",\"state\":\"ESTABLISHED\"}\n{\"id\":\"x\",\"event\":\"recv RST\",\"state\":\"ESTABLISHED\"}\n", 0},
		// No letter of RST takes TIME_WAIT anywhere (RFC 1337).
		{"{\"id\":\"x\",\"state\":\"TIME_WAIT\"}\n{\"id\":\"x\",\"event\":\"recv RST\",\"state\":\"CLOSED\"}\n", 2},
	} {
		res, err := trace.Validate(s, strings.NewReader(tc.in), "t", trace.Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		d := res.Instances[0].Divergence
		switch {
		case tc.line == 0 && d != nil:
			t.Errorf("%q: diverges: %+v", tc.in, d)
		case tc.line != 0 && (d == nil || d.Line != tc.line || d.Incomplete):
			t.Errorf("%q: %+v, want a divergence at line %d", tc.in, d, tc.line)
		}
	}
}

func TestMachineSelection(t *testing.T) {
	s := spectest.Load(t, "../examples/reqresp/reqresp.yaml")
	f, err := os.Open("testdata/reqresp_client.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := trace.Validate(s, f, "reqresp_client.jsonl", trace.Options{Machine: "client"})
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, map[string]verdict{"c1": {states: "DONE"}, "c2": {line: 5, states: "WAITING", reason: "the spec refuses the call"}})
	for _, machine := range []string{"", "proxy"} {
		_, err := trace.Validate(s, strings.NewReader(`{"id":"c","state":"IDLE"}`), "t", trace.Options{Machine: machine})
		var ie *trace.InputError
		if err == nil || errors.As(err, &ie) || !strings.HasPrefix(err.Error(), "../examples/reqresp/reqresp.yaml:") {
			t.Errorf("machine %q: error %v, want the spec's position first", machine, err)
		}
	}
}

// TestIncompleteSearch: a search that runs out of budget does not claim a divergence.
func TestIncompleteSearch(t *testing.T) {
	s := spectest.TCP(t)
	in := `{"id":"x","state":"TIME_WAIT"}`
	for _, opts := range []trace.Options{{MaxDepth: 3}, {MaxNodes: 3}} {
		res, err := trace.Validate(s, strings.NewReader(in), "t", opts)
		if err != nil {
			t.Fatal(err)
		}
		d := res.Instances[0].Divergence
		if d == nil || !d.Incomplete || !strings.HasPrefix(d.Reason, "search incomplete") {
			t.Fatalf("%+v: %+v, want an incomplete search", opts, d)
		}
		var b strings.Builder
		res.Write(&b, false)
		if !strings.Contains(b.String(), "x: search incomplete at line 1:") || !strings.HasSuffix(b.String(), "1 instance, 0 conform, 0 diverge, 1 incomplete\n") {
			t.Errorf("%+v: report\n%s", opts, b.String())
		}
	}
	// Explanations beyond MaxCandidates are dropped: a later divergence is then not conclusive.
	two := "{\"id\":\"y\",\"state\":\"SYN_RCVD\"}\n{\"id\":\"y\",\"event\":\"recv RST\",\"fields\":{\"seq\":false},\"state\":\"CLOSED\"}\n"
	res, err := trace.Validate(s, strings.NewReader(two), "t", trace.Options{MaxCandidates: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Instances[0].Divergence; d != nil && !d.Incomplete {
		t.Errorf("after dropping explanations, a conclusive divergence: %+v", d)
	}
}

// TestObservedCalls: a trace that declares every call observed (its
// header, or Options.Observed) no longer has the search insert one; the
// same trace without the declaration is read as before (TestTCPConforming).
func TestObservedCalls(t *testing.T) {
	s := spectest.TCP(t)
	data, err := os.ReadFile("testdata/tcp_conform.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// The server's PASSIVE_OPEN (before line 2) and the client's CLOSE (before line 8) are not logged.
	const why = `no sequence of unobserved receipts and expiries reaches %s (every snapshot reachable was tried); every call is declared observed, and only a path with unobserved calls reaches it: %s`
	for _, tc := range []struct {
		name  string
		in    string
		opts  trace.Options
		shift int // lines before the trace's first
	}{
		{"header", `{"observed": ["call"], "note": "every call is logged"}` + "\n" + string(data), trace.Options{}, 1},
		{"option", string(data), trace.Options{Observed: []spec.EventKind{spec.CallEvent}}, 0},
		{"both", `{"observed": ["call"]}` + "\n" + string(data), trace.Options{Observed: []spec.EventKind{spec.CallEvent}}, 1},
	} {
		res, err := trace.Validate(s, strings.NewReader(tc.in), "t", tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		check(t, res, map[string]verdict{
			"client": {line: 8 + tc.shift, states: "ESTABLISHED", reason: fmt.Sprintf(why, "FIN_WAIT_1", "CLOSE")},
			"server": {line: 2 + tc.shift, states: "CLOSED", reason: fmt.Sprintf(why, "LISTEN", "PASSIVE_OPEN")},
			"simul":  {states: "CLOSED"},
			"calls":  {states: "LISTEN"},
		})
		if !reflect.DeepEqual(res.Observed, []spec.EventKind{spec.CallEvent}) {
			t.Errorf("%s: observed %v", tc.name, res.Observed)
		}
		var b strings.Builder
		res.Write(&b, false)
		if !strings.HasPrefix(b.String(), "every call is declared observed: the search for unobserved events inserts none\n") {
			t.Errorf("%s: report\n%s", tc.name, b.String())
		}
	}
	// Receipts are still found: the handshake's SYN_ACK.
	in := "{\"observed\":[\"call\"]}\n{\"id\":\"c\",\"event\":\"ACTIVE_OPEN\"}\n{\"id\":\"c\",\"state\":\"ESTABLISHED\"}\n"
	res, err := trace.Validate(s, strings.NewReader(in), "t", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, map[string]verdict{"c": {states: "ESTABLISHED"}})
	if st := res.Instances[0].Steps; len(st) != 2 || !st[1].Hidden || st[1].Event != "recv SYN_ACK(seq=false, ack=false)" {
		t.Errorf("steps %+v", st)
	}
	// Every kind observed: a state-only line asserts the state and explains nothing.
	res, err = trace.Validate(s, strings.NewReader("{\"observed\":[\"timeout\",\"call\",\"recv\"]}\n{\"id\":\"x\",\"state\":\"CLOSED\"}\n{\"id\":\"x\",\"state\":\"LISTEN\"}\n"), "t", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, map[string]verdict{"x": {line: 3, states: "CLOSED", reason: "the instance is not in LISTEN, and every kind of event is declared observed"}})
	if !reflect.DeepEqual(res.Observed, []spec.EventKind{spec.CallEvent, spec.MessageEvent, spec.TimerEvent}) {
		t.Errorf("observed %v", res.Observed)
	}
	// An empty list declares nothing.
	res, err = trace.Validate(s, strings.NewReader("{\"observed\":[]}\n"+string(data)), "t", trace.Options{})
	if err != nil || !res.OK() || len(res.Observed) != 0 {
		t.Fatalf("empty declaration: %v, %+v", err, res)
	}
	if _, err := trace.New(s, trace.Options{Observed: []spec.EventKind{7}}); err == nil {
		t.Error("Options.Observed with no such kind: no error")
	}
}

// TestHeaderBadInput: a malformed declaration is an InputError at its line and column.
func TestHeaderBadInput(t *testing.T) {
	s := spectest.TCP(t)
	const obs = "{\"id\":\"a\",\"state\":\"LISTEN\"}\n"
	for _, tc := range []struct{ in, want string }{
		{`{"observed":"call"}`, `t:1:13: "observed" must be a list of kinds of event: "call", "recv", "timeout"`},
		{`{"observed":{"call":true}}`, `t:1:13: "observed" must be a list`},
		{`{"observed":["call", "calls"]}` + "\n" + obs, `t:1:22: "calls" is not a kind of event: want "call", "recv" or "timeout"`},
		{`{"observed":["call",1]}` + "\n" + obs, `t:1:21: "observed" must be a list`},
		{`{"observed":["recv","call","recv"]}` + "\n" + obs, `t:1:28: "recv" given twice`},
		{`{"observed":["call"],"id":"a","state":"LISTEN"}`, `t:1:22: a header (a line with "observed") holds "observed" and "note" only, not "id"`},
		{`{"state":"LISTEN","observed":["call"]}`, `t:1:2: a header (a line with "observed") holds "observed" and "note" only, not "state"`},
		{`{"observed":["call"],"note":3}` + "\n" + obs, `t:1:29: bad JSON: "note" must be a string`},
		{obs + `  {"observed":["call"]}`, `t:2:4: the header ("observed") must come before every observation`},
		{"\n{\"observed\":[\"call\"]}\n{\"observed\":[]}\n" + obs, `t:3:2: a second header: the trace's header is line 2`},
		{`{"observed":["call"]}`, `t:1:1: no observations: the trace has only a header`},
		{`{"observed":["call"]`, `t:1:21: bad JSON: the line ends inside a value`},
		{`{"observed":["call"],"observed":[]}`, `t:1:22: bad JSON: key "observed" given twice`},
	} {
		_, err := trace.Validate(s, strings.NewReader(tc.in), "t", trace.Options{})
		var ie *trace.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestLinuxObservedCalls: a trace recorded from Linux by the conformance
// harness (client_active_close), which declares every call observed. Two
// state changes edited into impossible ones (the client's ESTABLISHED after
// SYN_SENT into LISTEN, line 6; the server's LAST_ACK into TIME_WAIT, line
// 14) are rejected at their lines: only unrecorded calls would explain
// them. Without the header the search inserts those calls and accepts both.
func TestLinuxObservedCalls(t *testing.T) {
	s := spectest.TCP(t)
	const (
		listener = "127.193.151.1:5000>0.0.0.0:0#1"
		client   = "127.193.151.2:5000>127.193.151.1:5000#1"
		server   = "127.193.151.1:5000>127.193.151.2:5000#1"
	)
	res := validateFile(t, s, "testdata/linux_conform.jsonl")
	check(t, res, map[string]verdict{listener: {states: "CLOSED"}, client: {states: "TIME_WAIT"}, server: {states: "CLOSED"}})
	if !reflect.DeepEqual(res.Observed, []spec.EventKind{spec.CallEvent}) {
		t.Errorf("observed %v, want call", res.Observed)
	}
	for _, in := range res.Instances {
		for _, st := range in.Steps {
			if st.Hidden && !strings.HasPrefix(st.Event, "recv ") && !strings.HasPrefix(st.Event, "timeout ") {
				t.Errorf("%s: the search supplied %s", in.ID, res.StepString(st))
			}
		}
	}
	// The listener child's PASSIVE_OPEN is on its first line (listener-child), not found by the search.
	if st := res.Instances[2].Steps[0]; st.Line != 7 || st.Hidden || st.Event != "PASSIVE_OPEN" {
		t.Errorf("the server's first step %+v", st)
	}

	res = validateFile(t, s, "testdata/linux_diverge.jsonl")
	check(t, res, map[string]verdict{
		listener: {states: "CLOSED"},
		client:   {line: 6, states: "SYN_SENT", reason: "no sequence of unobserved receipts and expiries reaches LISTEN (every snapshot reachable was tried); every call is declared observed, and only a path with unobserved calls reaches it: recv RST_ACK(ack=false), PASSIVE_OPEN"},
		server:   {line: 14, states: "LAST_ACK", reason: "no sequence of unobserved receipts and expiries reaches TIME_WAIT (every snapshot reachable was tried); every call is declared observed, and only a path with unobserved calls reaches it: recv ACK_FIN(seq=false, ack=false), PASSIVE_OPEN, recv SYN(seq=false), CLOSE, recv FIN_ACK(seq=false, ack=true)"},
	})

	data, err := os.ReadFile("testdata/linux_diverge.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	header, rest, _ := strings.Cut(string(data), "\n")
	if header != `{"observed":["call"],"note":"every system call of the scenario is recorded"}` {
		t.Fatalf("first line %s, want the harness's header", header)
	}
	res, err = trace.Validate(s, strings.NewReader(rest), "t", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, map[string]verdict{listener: {states: "CLOSED"}, client: {states: "TIME_WAIT"}, server: {states: "CLOSED"}})
	var inserted []string
	for _, st := range res.Instances[2].Steps {
		if st.Line == 13 && st.Hidden {
			inserted = append(inserted, st.Event)
		}
	}
	if want := []string{"recv ACK_FIN(seq=false, ack=false)", "PASSIVE_OPEN", "recv SYN(seq=false)", "CLOSE", "recv FIN_ACK(seq=false, ack=true)"}; !reflect.DeepEqual(inserted, want) {
		t.Errorf("without the header, the search inserted %v at the TIME_WAIT line, want %v", inserted, want)
	}
}
