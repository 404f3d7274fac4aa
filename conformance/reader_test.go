package conformance

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/trace"
)

// A record as tracefs prints it (client active close, then a connect to a
// closed port), read without root: the deviations are applied and the
// trace conforms.
const cannedRecord = `# tracer: nop
#
 t-2 [000] ...1. 1.000000: tracing_mark_write: fsmgen call 127.77.9.1:5000 0.0.0.0:0 PASSIVE_OPEN
 t-1 [000] ..... 1.000001: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=0 saddr=127.77.9.1 daddr=0.0.0.0 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:0.0.0.0 oldstate=TCP_CLOSE newstate=TCP_LISTEN
 t-2 [000] ...1. 1.000001: tracing_mark_write: fsmgen result 127.77.9.1:5000 0.0.0.0:0 PASSIVE_OPEN ok
 t-2 [000] ...1. 1.000002: tracing_mark_write: fsmgen call 127.77.9.2:4000 127.77.9.1:5000 ACTIVE_OPEN
 t-1 [000] ..... 1.000002: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT
 t-1 [000] ..... 1.000003: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_SYN_SENT newstate=TCP_ESTABLISHED
 t-2 [000] ...1. 1.000003: tracing_mark_write: fsmgen result 127.77.9.2:4000 127.77.9.1:5000 ACTIVE_OPEN ok
 t-1 [000] .Ns2. 1.000004: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=4000 saddr=127.77.9.1 daddr=127.77.9.2 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:127.77.9.2 oldstate=TCP_LISTEN newstate=TCP_SYN_RECV
 t-1 [000] .Ns2. 1.000005: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=4000 saddr=127.77.9.1 daddr=127.77.9.2 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:127.77.9.2 oldstate=TCP_SYN_RECV newstate=TCP_ESTABLISHED
 x-9 [001] ..... 1.000006: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=80 dport=4444 saddr=10.0.0.1 daddr=10.0.0.2 saddrv6=::ffff:10.0.0.1 daddrv6=::ffff:10.0.0.2 oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE_WAIT
 t-2 [000] ...1. 1.000007: tracing_mark_write: fsmgen call 127.77.9.2:4000 127.77.9.1:5000 CLOSE
 t-1 [000] ..... 1.000007: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_ESTABLISHED newstate=TCP_FIN_WAIT1
 t-2 [000] ...1. 1.000007: tracing_mark_write: fsmgen result 127.77.9.2:4000 127.77.9.1:5000 CLOSE ok
 t-1 [000] ..s2. 1.000008: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=4000 saddr=127.77.9.1 daddr=127.77.9.2 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:127.77.9.2 oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE_WAIT
 t-2 [000] ...1. 1.000009: tracing_mark_write: fsmgen call 127.77.9.1:5000 127.77.9.2:4000 CLOSE
 t-1 [000] ..... 1.000009: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=4000 saddr=127.77.9.1 daddr=127.77.9.2 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:127.77.9.2 oldstate=TCP_CLOSE_WAIT newstate=TCP_LAST_ACK
 t-2 [000] ...1. 1.000009: tracing_mark_write: fsmgen result 127.77.9.1:5000 127.77.9.2:4000 CLOSE ok
 t-1 [000] ..s2. 1.000010: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_FIN_WAIT1 newstate=TCP_FIN_WAIT2
 t-1 [000] ..s2. 1.000011: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_FIN_WAIT2 newstate=TCP_CLOSE
 t-1 [000] ..... 1.000012: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=4000 saddr=127.77.9.1 daddr=127.77.9.2 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:127.77.9.2 oldstate=TCP_LAST_ACK newstate=TCP_CLOSE
 t-2 [000] ...1. 1.000013: tracing_mark_write: fsmgen sock 127.77.9.2:4000 127.77.9.1:5000 TCP_TIME_WAIT
 t-2 [000] ...1. 1.000014: tracing_mark_write: fsmgen call 127.77.9.2:4001 127.77.9.1:5001 ACTIVE_OPEN
 t-1 [001] ..... 1.000014: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4001 dport=5001 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT
 t-1 [001] ..s1. 1.000015: tcp_send_reset: skbaddr=00000000b375c66e skaddr=0000000000000000 src=127.77.9.1:5001 dest=127.77.9.2:4001 state=UNKNOWN reason=NO_SOCKET
 t-1 [001] ..... 1.000016: tcp_receive_reset: family=AF_INET sport=4001 dport=5001 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 sock_cookie=1
 t-1 [001] ..... 1.000017: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4001 dport=5001 saddr=127.77.9.2 daddr=127.77.9.1 saddrv6=::ffff:127.77.9.2 daddrv6=::ffff:127.77.9.1 oldstate=TCP_SYN_SENT newstate=TCP_CLOSE
 t-2 [000] ...1. 1.000017: tracing_mark_write: fsmgen result 127.77.9.2:4001 127.77.9.1:5001 ACTIVE_OPEN ok
 t-2 [000] ...1. 1.000018: tracing_mark_write: fsmgen call 127.77.9.1:5000 0.0.0.0:0 CLOSE
 t-1 [001] ..... 1.000018: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=5000 dport=0 saddr=127.77.9.1 daddr=0.0.0.0 saddrv6=::ffff:127.77.9.1 daddrv6=::ffff:0.0.0.0 oldstate=TCP_LISTEN newstate=TCP_CLOSE
 t-2 [000] ...1. 1.000018: tracing_mark_write: fsmgen result 127.77.9.1:5000 0.0.0.0:0 CLOSE ok
`

func TestReadCanned(t *testing.T) {
	recs, err := ParseRecords(cannedRecord, "127.77.9.")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 29 {
		t.Fatalf("%d records, want 29 (the 10.0.0.1 line belongs to other traffic)", len(recs))
	}
	rd, err := Read(recs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := rd.JSONL()
	if err != nil {
		t.Fatal(err)
	}
	res, err := trace.Validate(tcpSpec(t), bytes.NewReader(data), "canned.jsonl", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.Write(&out, true)
	if !res.OK() || len(res.Instances) != 5 {
		t.Fatalf("want 5 conforming instances:\n%s\n%s", out.String(), data)
	}
	// The trace declares every call observed: no step the search found is a call.
	if !reflect.DeepEqual(res.Observed, []spec.EventKind{spec.CallEvent}) {
		t.Errorf("declared observed: %v, want call:\n%s", res.Observed, data)
	}
	for _, in := range res.Instances {
		for _, st := range in.Steps {
			if st.Hidden && !strings.HasPrefix(st.Event, "recv ") && !strings.HasPrefix(st.Event, "timeout ") {
				t.Errorf("%s: the search supplied %s", in.ID, res.StepString(st))
			}
		}
	}
	applied := map[string]int{}
	for _, a := range rd.Applied {
		applied[a.Deviation]++
	}
	for _, d := range []string{ListenerChild, TimewaitHandover, TimewaitProc, NoSocketReset} {
		if applied[d] != 1 {
			t.Errorf("deviation %s applied %d times, want 1", d, applied[d])
		}
	}
	// The listener child's PASSIVE_OPEN is on the line listener-child wrote.
	lines := strings.Split(string(data), "\n")
	for _, a := range rd.Applied {
		if a.Deviation == ListenerChild && !strings.Contains(lines[a.Line-1], `"event":"PASSIVE_OPEN"`) {
			t.Errorf("line %d, listener-child's: %s", a.Line, lines[a.Line-1])
		}
	}
	// The client's instance ends in TIME_WAIT, reached through the mini-socket.
	client := res.Instances[1]
	if client.ID != "127.77.9.2:4000>127.77.9.1:5000#1" || strings.Join(client.States, ",") != "TIME_WAIT" {
		t.Errorf("client %s ends in %v:\n%s", client.ID, client.States, out.String())
	}

	// Without the marker of the listener's listen(), its LISTEN has no call to explain it.
	var kept []string
	for _, l := range strings.Split(cannedRecord, "\n") {
		if !strings.Contains(l, "PASSIVE_OPEN") {
			kept = append(kept, l)
		}
	}
	recs, err = ParseRecords(strings.Join(kept, "\n"), "127.77.9.")
	if err != nil {
		t.Fatal(err)
	}
	if rd, err = Read(recs); err != nil {
		t.Fatal(err)
	}
	if data, err = rd.JSONL(); err != nil {
		t.Fatal(err)
	}
	res, err = trace.Validate(tcpSpec(t), bytes.NewReader(data), "canned.jsonl", trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Instances[0].Divergence
	if d == nil || d.Line != 2 || !strings.HasSuffix(d.Reason, "only a path with unobserved calls reaches it: PASSIVE_OPEN") {
		t.Errorf("listener without its listen(): %+v\n%s", d, data)
	}
}

func TestReadUnexplained(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"reset from a socket that is not closing",
			" t-1 [000] ..... 1.0: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT\n" +
				" t-1 [000] ..... 1.1: tcp_send_reset: skbaddr=1 skaddr=2 src=127.77.9.2:4000 dest=127.77.9.1:5000 state=TCP_SYN_SENT reason=NOT_SPECIFIED\n",
			"not closing"},
		{"a socket first seen mid-connection",
			" t-1 [000] ..... 1.0: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 oldstate=TCP_ESTABLISHED newstate=TCP_FIN_WAIT1\n",
			"first seen leaving TCP_ESTABLISHED"},
		{"a gap in a socket's states",
			" t-1 [000] ..... 1.0: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT\n" +
				" t-1 [000] ..... 1.1: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 oldstate=TCP_ESTABLISHED newstate=TCP_FIN_WAIT1\n",
			"last traced in TCP_SYN_SENT"},
		{"lost events", "CPU:1 [LOST 3 EVENTS]\n", "lost events"},
		{"a SYN_SENT that gives up while connect() succeeds",
			" t-2 [000] ...1. 0.9: tracing_mark_write: fsmgen call 127.77.9.2:4000 127.77.9.1:5000 ACTIVE_OPEN\n" +
				" t-1 [000] ..... 1.0: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 oldstate=TCP_CLOSE newstate=TCP_SYN_SENT\n" +
				" t-1 [000] ..... 1.1: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP sport=4000 dport=5000 saddr=127.77.9.2 daddr=127.77.9.1 oldstate=TCP_SYN_SENT newstate=TCP_CLOSE\n" +
				" t-2 [000] ...1. 1.2: tracing_mark_write: fsmgen result 127.77.9.2:4000 127.77.9.1:5000 ACTIVE_OPEN ok\n",
			"not seen to fail with ETIMEDOUT"},
	} {
		recs, err := ParseRecords(tc.text, "127.77.9.")
		if err == nil {
			_, err = Read(recs)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestDeviationsDocumented keeps docs/linux.md and the Deviations table in step.
func TestDeviationsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/linux.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Deviations {
		row := "| `" + d.Name + "` |"
		if !bytes.Contains(doc, []byte(row)) {
			t.Errorf("docs/linux.md has no table row for %s", d.Name)
		}
		for _, part := range []string{d.Linux, d.Reading, d.Source} {
			if !bytes.Contains(doc, []byte(part)) {
				t.Errorf("docs/linux.md: %s: text differs from the Deviations table: %q", d.Name, part)
			}
		}
	}
}

// TestRunNets: every scenario run has a /24 of its own, never 127.0.x.x.
func TestRunNets(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n := nextNet()
		if seen[n] || strings.HasPrefix(n, "127.0.") || strings.Count(n, ".") != 2 {
			t.Fatalf("run %d: %s (seen: %v)", i, n, seen[n])
		}
		seen[n] = true
	}
}
