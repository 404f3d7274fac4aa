package conformance

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// connected opens a listener on the server's port and a client connection
// to it, accepted: three sockets, all closed when the test ends.
func connected(sc *Sc, port int) (listener, client, server *Sock) {
	sc.t.Helper()
	listener = sc.Socket(sc.Server(port))
	if err := sc.Listen(listener); err != nil {
		sc.t.Fatal(err)
	}
	client = sc.Socket(sc.Client(port))
	if err := sc.Connect(client, sc.Server(port)); err != nil {
		sc.t.Fatal(err)
	}
	server, err := listener.Accept()
	if err != nil {
		sc.t.Fatal(err)
	}
	sc.t.Cleanup(func() { server.Close() })
	return listener, client, server
}

// stuckInLastAck closes the server's socket s of a connection on port
// whose client has sent its FIN, with every FIN dropped (nft), and waits
// until the server is in LAST_ACK, where it stays until remove lets FINs
// through again. It first waits for the client's FIN_WAIT_2: the server's
// ACK of the client's FIN must have arrived before the rule that drops
// FINs, or it could leave with the server's FIN and be dropped with it.
func stuckInLastAck(sc *Sc, port int, s *Sock) (remove func()) {
	sc.t.Helper()
	sc.WaitProc(sc.Client(port), sc.Server(port), "TCP_FIN_WAIT2")
	remove = sc.DropIn("tcp flags & fin == fin")
	must(sc.t, sc.Shutdown(s))
	sc.WaitProc(sc.Server(port), sc.Client(port), "TCP_LAST_ACK")
	return remove
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Scenarios are the Linux conformance scenarios, each named for what it provokes.
var Scenarios = []Scenario{
	{
		Name: "client_active_close",
		Doc:  "The client closes first: FIN_WAIT_1, FIN_WAIT_2 and TIME_WAIT on its side, CLOSE_WAIT and LAST_ACK on the server's.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Close(c))
			must(sc.t, s.ReadEOF())
			must(sc.t, sc.Close(s))
			must(sc.t, sc.Close(l))
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_TIME_WAIT")
		},
		Want:       []string{"ESTABLISHED/CLOSE", "FIN_WAIT_1/recv ACK_FIN", "FIN_WAIT_2/recv FIN", "CLOSE_WAIT/CLOSE", "LAST_ACK/recv ACK_FIN", "LISTEN/recv SYN", "SYN_SENT/recv SYN_ACK"},
		Deviations: []string{ListenerChild, TimewaitHandover, TimewaitProc},
	},
	{
		Name: "server_active_close",
		Doc:  "The server's accepted socket closes first and ends in TIME_WAIT; the client passes through CLOSE_WAIT and LAST_ACK.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Close(s))
			must(sc.t, c.ReadEOF())
			must(sc.t, sc.Close(c))
			must(sc.t, sc.Close(l))
			sc.WaitProc(sc.Server(5000), sc.Client(5000), "TCP_TIME_WAIT")
		},
		Want:       []string{"ESTABLISHED/CLOSE", "FIN_WAIT_2/recv FIN", "CLOSE_WAIT/CLOSE", "LAST_ACK/recv ACK_FIN", "LISTEN/CLOSE"},
		Deviations: []string{ListenerChild, TimewaitHandover, TimewaitProc},
	},
	{
		Name: "simultaneous_close",
		Doc:  "Both sides shut down while an nft rule drops every FIN; once it is removed the retransmitted FINs cross, so a FIN_WAIT_1 receives a FIN that does not acknowledge its own: CLOSING.",
		Run: func(sc *Sc) {
			_, c, s := connected(sc, 5000)
			remove := sc.DropIn("tcp flags & fin == fin")
			must(sc.t, sc.Shutdown(c))
			must(sc.t, sc.Shutdown(s))
			sc.WaitRecord("tcp_retransmit_skb", "state=TCP_FIN_WAIT1")
			remove()
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_TIME_WAIT")
			sc.WaitProc(sc.Server(5000), sc.Client(5000), "TCP_TIME_WAIT")
		},
		Want:       []string{"FIN_WAIT_1/recv FIN", "CLOSING/recv FIN_ACK", "FIN_WAIT_1/timeout retransmit"},
		Deviations: []string{TimewaitHandover, TimewaitProc},
	},
	{
		Name: "simultaneous_open",
		Doc:  "A socket connects to its own address: its SYN arrives in SYN_SENT (SYN_RCVD, SYN_ACK sent) and its SYN_ACK completes the open; its close is a simultaneous close as well.",
		Run: func(sc *Sc) {
			c := sc.Socket(sc.Client(4100))
			must(sc.t, sc.Connect(c, sc.Client(4100)))
			must(sc.t, sc.Close(c))
			sc.WaitProc(sc.Client(4100), sc.Client(4100), "TCP_TIME_WAIT")
		},
		Want:       []string{"SYN_SENT/recv SYN", "SYN_RCVD/recv SYN_ACK", "FIN_WAIT_1/recv FIN", "CLOSING/recv FIN_ACK"},
		Deviations: []string{TimewaitHandover, TimewaitProc},
	},
	{
		Name: "connect_to_closed_port",
		Doc:  "A SYN to a port with no listener is answered with a reset: SYN_SENT to CLOSED by recv RST.",
		Run: func(sc *Sc) {
			c := sc.Socket(sc.Client(4000))
			if err := sc.Connect(c, sc.Server(5001)); !errors.Is(err, unix.ECONNREFUSED) {
				sc.t.Fatalf("connect: %v, want ECONNREFUSED", err)
			}
		},
		Want:       []string{"SYN_SENT/recv RST_ACK", "CLOSED/recv SYN"},
		Deviations: []string{NoSocketReset},
	},
	{
		Name: "syn_retries_exhausted",
		Doc:  "Every SYN is dropped (nft) and net.ipv4.tcp_syn_retries is 1: the kernel retransmits within the time that allows (with net.ipv4.tcp_syn_linear_timeouts), then gives up.",
		Run: func(sc *Sc) {
			sc.Sysctl("net.ipv4.tcp_syn_retries", "1")
			sc.DropIn("tcp flags & (syn | ack) == syn")
			c := sc.Socket(sc.Client(4000))
			if err := sc.Connect(c, sc.Server(5000)); !errors.Is(err, unix.ETIMEDOUT) {
				sc.t.Fatalf("connect: %v, want ETIMEDOUT", err)
			}
		},
		Want:       []string{"SYN_SENT/timeout retransmit", "SYN_SENT/ABORT"},
		Deviations: []string{SynRetriesGiveUp},
	},
	{
		Name: "abort_with_linger_0",
		Doc:  "close() with SO_LINGER 0 in ESTABLISHED: the spec's ABORT; the peer receives the reset.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Abort(c))
			if _, err := s.Read(); !errors.Is(err, unix.ECONNRESET) {
				sc.t.Fatalf("read after the peer's abort: %v, want ECONNRESET", err)
			}
			must(sc.t, s.Close())
			must(sc.t, sc.Close(l))
		},
		Want:       []string{"ESTABLISHED/ABORT", "ESTABLISHED/recv RST"},
		Deviations: []string{ListenerChild},
	},
	{
		Name: "half_close_then_close",
		Doc:  "The client shuts down its sending side and keeps reading; the server answers, then closes: FIN_WAIT_2 receives the FIN with the socket still open.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Shutdown(c))
			must(sc.t, s.ReadEOF())
			must(sc.t, sc.Send(s, []byte("reply")))
			if n, err := sc.Receive(c); n != 5 || err != nil {
				sc.t.Fatalf("read in FIN_WAIT_2: %d bytes, %v", n, err)
			}
			must(sc.t, sc.Close(s))
			must(sc.t, c.ReadEOF())
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_TIME_WAIT")
			must(sc.t, c.Close())
			must(sc.t, sc.Close(l))
		},
		Want:       []string{"ESTABLISHED/CLOSE", "FIN_WAIT_2/recv FIN", "CLOSE_WAIT/CLOSE"},
		Deviations: []string{TimewaitHandover, TimewaitProc},
	},
	{
		Name: "fin_wait_1_fin_lost",
		Doc:  "The client's FIN is dropped (nft) until it has been retransmitted once: FIN_WAIT_1 takes its retransmission timeout.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			remove := sc.DropIn(fmt.Sprintf("tcp sport %d tcp flags & fin == fin", 5000))
			must(sc.t, sc.Close(c))
			sc.WaitRecord("tcp_retransmit_skb", "state=TCP_FIN_WAIT1")
			remove()
			must(sc.t, s.ReadEOF())
			must(sc.t, sc.Close(s))
			must(sc.t, sc.Close(l))
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_TIME_WAIT")
		},
		Want:       []string{"FIN_WAIT_1/timeout retransmit", "FIN_WAIT_1/recv ACK_FIN", "FIN_WAIT_2/recv FIN"},
		Deviations: []string{TimewaitHandover, TimewaitProc},
	},
	{
		Name: "last_ack_fin_lost",
		Doc:  "The server's FIN from CLOSE_WAIT is dropped (nft) until it has been retransmitted once: LAST_ACK takes its retransmission timeout.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Close(c))
			must(sc.t, s.ReadEOF())
			remove := sc.DropIn("tcp flags & fin == fin")
			must(sc.t, sc.Close(s))
			sc.WaitRecord("tcp_retransmit_skb", "state=TCP_LAST_ACK")
			remove()
			must(sc.t, sc.Close(l))
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_TIME_WAIT")
		},
		Want:       []string{"LAST_ACK/timeout retransmit", "LAST_ACK/recv ACK_FIN", "FIN_WAIT_2/recv FIN"},
		Deviations: []string{TimewaitHandover, TimewaitProc},
	},
	{
		Name: "abort_in_last_ack",
		Doc:  "The server closes after the client (its FIN dropped by nft, so it stays in LAST_ACK), then aborts with SO_LINGER 0: LAST_ACK to CLOSED with no reset, as the spec's ABORT from LAST_ACK says.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Close(c))
			must(sc.t, s.ReadEOF())
			remove := stuckInLastAck(sc, 5000, s)
			must(sc.t, sc.Abort(s))
			remove()
			must(sc.t, sc.Close(l))
		},
		Want:       []string{"CLOSE_WAIT/CLOSE", "LAST_ACK/ABORT"},
		Deviations: []string{ListenerChild, TimewaitHandover},
	},
	{
		Name: "reset_in_last_ack",
		Doc:  "The client half-closes; the server closes too but its FIN is dropped (nft), so it waits in LAST_ACK; the client then aborts from FIN_WAIT_2 (SO_LINGER 0): a reset in FIN_WAIT_2's ABORT and LAST_ACK's recv RST.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Shutdown(c))
			must(sc.t, s.ReadEOF())
			remove := stuckInLastAck(sc, 5000, s)
			must(sc.t, sc.Abort(c))
			remove()
			if _, err := s.Read(); !errors.Is(err, unix.ECONNRESET) && !errors.Is(err, unix.EPIPE) && err != nil {
				sc.t.Fatalf("read after the peer's abort: %v", err)
			}
			must(sc.t, s.Close())
			must(sc.t, sc.Close(l))
		},
		Want:       []string{"FIN_WAIT_2/ABORT", "LAST_ACK/recv RST"},
		Deviations: []string{ListenerChild},
	},
	{
		Name: "refused_calls",
		Doc:  "Calls the spec refuses, refused by Linux too: listen() and connect() on a connected socket (EINVAL, EISCONN), send() after shutdown (EPIPE), recv() on a socket never connected (ENOTCONN); and calls it accepts: send() in CLOSE_WAIT, recv() in FIN_WAIT_2.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			if err := sc.Listen(c); !errors.Is(err, unix.EINVAL) {
				sc.t.Fatalf("listen on a connected socket: %v, want EINVAL", err)
			}
			if err := sc.Connect(c, sc.Server(5000)); !errors.Is(err, unix.EISCONN) {
				sc.t.Fatalf("connect on a connected socket: %v, want EISCONN", err)
			}
			must(sc.t, sc.Shutdown(c))
			must(sc.t, s.ReadEOF())
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_FIN_WAIT2")
			if err := sc.Send(c, []byte("late")); !errors.Is(err, unix.EPIPE) {
				sc.t.Fatalf("send after shutdown: %v, want EPIPE", err)
			}
			must(sc.t, sc.Send(s, []byte("reply")))
			if n, err := sc.Receive(c); n != 5 || err != nil {
				sc.t.Fatalf("read in FIN_WAIT_2: %d bytes, %v", n, err)
			}
			u := sc.Socket(sc.Client(4999))
			if _, err := sc.Receive(u); !errors.Is(err, unix.ENOTCONN) {
				sc.t.Fatalf("recv on a socket never connected: %v, want ENOTCONN", err)
			}
			must(sc.t, sc.Close(s))
			must(sc.t, c.ReadEOF())
			must(sc.t, sc.Close(l))
		},
		Want:       []string{"ESTABLISHED/PASSIVE_OPEN", "ESTABLISHED/ACTIVE_OPEN", "FIN_WAIT_2/SEND", "CLOSED/RECEIVE", "CLOSE_WAIT/SEND", "FIN_WAIT_2/RECEIVE"},
		Deviations: []string{ListenerChild, TimewaitHandover},
	},
	{
		Name: "listen_close_with_pending_connection",
		Doc:  "A listener closes with a connection established but not accepted: the connection is reset (ABORT), the client receives the reset, the listener goes from LISTEN to CLOSED.",
		Run: func(sc *Sc) {
			l := sc.Socket(sc.Server(5000))
			must(sc.t, sc.Listen(l))
			c := sc.Socket(sc.Client(5000))
			must(sc.t, sc.Connect(c, sc.Server(5000)))
			must(sc.t, sc.Close(l))
			if _, err := c.Read(); !errors.Is(err, unix.ECONNRESET) {
				sc.t.Fatalf("read: %v, want ECONNRESET", err)
			}
		},
		Want:       []string{"ESTABLISHED/ABORT", "ESTABLISHED/recv RST", "LISTEN/CLOSE"},
		Deviations: []string{ResetOnClose, ListenerChild},
	},
	{
		Name: "rst_and_syn_in_established",
		Doc:  "Segments injected into ESTABLISHED (RFC 5961): a SYN is answered with a challenge ACK and changes nothing; an RST in the window but not at the next sequence number is answered with a challenge ACK and not accepted; an RST at exactly the next sequence number resets the connection.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			// Challenge ACKs are rate-limited per socket (500 ms by default);
			// the two this scenario provokes must both be sent.
			sc.Sysctl("net.ipv4.tcp_invalid_ratelimit", "0")
			client, server := sc.Client(5000), sc.Server(5000)
			sn, err := sc.N.Sniff()
			must(sc.t, err)
			must(sc.t, sc.Send(s, []byte("x")))
			data, err := sn.Next(func(g Segment) bool { return g.Src == server && g.Dst == client && g.Len == 1 })
			must(sc.t, err)
			rcvNxt := data.Seq + 1 // the client's next expected sequence number
			if n, err := sc.Receive(c); n != 1 || err != nil {
				sc.t.Fatalf("read: %d bytes, %v", n, err)
			}
			// The client's ACK of the data: after it, the client has nothing to send.
			dataAck, err := sn.Next(func(g Segment) bool {
				return g.Src == client && g.Dst == server && g.Flags == FlagACK && g.Ack == rcvNxt && g.Len == 0
			})
			must(sc.t, err)
			sn.Close()
			// A fresh capture sees only what is sent from now on.
			sn, err = sc.N.Sniff()
			must(sc.t, err)
			defer sn.Close()
			challenge := func(g Segment) bool {
				return g.Src == client && g.Dst == server && g.Flags == FlagACK && g.Seq == dataAck.Seq && g.Ack == rcvNxt && g.Len == 0
			}
			// Nothing provoked, nothing captured: the filter matches only an answer to what is injected next.
			if g, ok := sn.NextWithin(300*time.Millisecond, challenge); ok {
				sc.t.Fatalf("a segment like a challenge ACK before anything was injected: %+v", g)
			}
			must(sc.t, sc.N.Inject(server, client, rcvNxt+10, 0, FlagSYN))
			if _, ok := sn.NextWithin(3*time.Second, challenge); !ok {
				sc.t.Fatalf("no challenge ACK (seq %d, ack %d) answered the SYN injected into ESTABLISHED", dataAck.Seq, rcvNxt)
			}
			must(sc.t, sc.Tr.Mark("seg %s %s SYN ACK_SYN", client, server))
			must(sc.t, sc.N.Inject(server, client, rcvNxt+100, 0, FlagRST))
			if _, ok := sn.NextWithin(3*time.Second, challenge); !ok {
				sc.t.Fatalf("no challenge ACK (seq %d, ack %d) answered the in-window RST", dataAck.Seq, rcvNxt)
			}
			socks, err := sc.N.ProcTCP()
			must(sc.t, err)
			state := ""
			for _, p := range socks {
				if p.Local == client && p.Remote == server {
					state = p.State
				}
			}
			if state != "TCP_ESTABLISHED" {
				sc.t.Fatalf("after an in-window RST the client is in %q, want TCP_ESTABLISHED", state)
			}
			must(sc.t, sc.Tr.Mark("%s %s %s %s", UnacceptableReset, client, server, state))
			must(sc.t, sc.N.Inject(server, client, rcvNxt, 0, FlagRST))
			if _, err := c.Read(); !errors.Is(err, unix.ECONNRESET) {
				sc.t.Fatalf("read after an exact RST: %v, want ECONNRESET", err)
			}
			must(sc.t, sc.Abort(s))
			must(sc.t, sc.Close(l))
		},
		Want:       []string{"ESTABLISHED/recv SYN", "ESTABLISHED/recv RST", "ESTABLISHED/ABORT"},
		Deviations: []string{UnacceptableReset},
	},
	{
		Name: "new_syn_to_time_wait",
		Doc:  "The server closes first and holds TIME_WAIT; the client reconnects from the same port: the new SYN ends the TIME_WAIT and opens a new connection.",
		Run: func(sc *Sc) {
			l, c, s := connected(sc, 5000)
			must(sc.t, sc.Close(s))
			must(sc.t, c.ReadEOF())
			must(sc.t, sc.Close(c))
			sc.WaitProc(sc.Server(5000), sc.Client(5000), "TCP_TIME_WAIT")
			c2 := sc.Socket(sc.Client(5000))
			must(sc.t, sc.Connect(c2, sc.Server(5000)))
			s2, err := l.Accept()
			must(sc.t, err)
			must(sc.t, sc.Close(c2))
			must(sc.t, s2.ReadEOF())
			must(sc.t, sc.Close(s2))
			must(sc.t, sc.Close(l))
			sc.WaitProc(sc.Client(5000), sc.Server(5000), "TCP_TIME_WAIT")
		},
		Want:       []string{"TIME_WAIT/timeout time_wait", "LISTEN/recv SYN"},
		Deviations: []string{TimewaitReuse, ListenerChild},
	},
}

func TestLinux(t *testing.T) {
	requireEnv(t)
	var outs []*Outcome
	all := true
	for _, s := range Scenarios {
		ok := t.Run(s.Name, func(t *testing.T) {
			start := time.Now()
			outs = append(outs, runScenario(t, s))
			t.Logf("%s: %s (%.1fs)", s.Name, s.Doc, time.Since(start).Seconds())
		})
		all = all && ok
	}
	if all && len(outs) == len(Scenarios) {
		coverage(t, outs)
	}
}
