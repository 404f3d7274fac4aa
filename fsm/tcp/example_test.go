package tcp_test

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/tcp"
)

// segment is a message in flight on the in-memory pipe.
type segment struct {
	to  *tcp.Machine
	msg tcp.Message
}

// Two Machines connected by an in-memory pipe, sharing a fake clock: an
// active open, a data-less exchange, an orderly close, and TIME_WAIT
// expiring after 2*MSL.
func Example_embedding() {
	clock := fsm.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var pipe []segment // segments in flight, delivered in order
	var client, server *tcp.Machine
	peer := func(name string, other **tcp.Machine) []tcp.Option {
		return []tcp.Option{
			tcp.WithClock(clock),
			tcp.OnSend(func(m tcp.Message) {
				fmt.Printf("  %s sends %v\n", name, m)
				pipe = append(pipe, segment{*other, m})
			}),
			tcp.OnTransition(func(t tcp.Transition) {
				if t.From != t.To {
					fmt.Printf("%s: %v --%v--> %v\n", name, t.From, t.Event, t.To)
				}
			}),
		}
	}
	client = tcp.New(peer("client", &server)...)
	server = tcp.New(peer("server", &client)...)
	deliver := func() {
		for len(pipe) > 0 {
			s := pipe[0]
			pipe = pipe[1:]
			if err := s.to.Deliver(s.msg); err != nil {
				fmt.Println("error:", err)
			}
		}
	}

	must(server.Fire(tcp.CallPassiveOpen))
	must(client.Fire(tcp.CallActiveOpen))
	deliver()
	must(client.Fire(tcp.CallSend))
	must(server.Fire(tcp.CallReceive))
	must(client.Fire(tcp.CallClose))
	deliver()
	must(server.Fire(tcp.CallClose))
	deliver()

	deadline, _ := client.Deadline(tcp.TimerTimeWait)
	fmt.Println("TIME_WAIT ends in", deadline.Sub(clock.Now()))
	clock.Advance(tcp.TimerTimeWait.Duration())
	fmt.Println("client", client.State(), "server", server.State())

	// The spec answers a CLOSE without a connection with an error for the user.
	err := client.Fire(tcp.CallClose)
	fmt.Println(err, errors.Is(err, tcp.ErrReported))

	// Output:
	// server: CLOSED --PASSIVE_OPEN--> LISTEN
	// client: CLOSED --ACTIVE_OPEN--> SYN_SENT
	//   client sends SYN(seq=false)
	// server: LISTEN --recv SYN(seq=false)--> SYN_RCVD
	//   server sends SYN_ACK(seq=false, ack=false)
	// client: SYN_SENT --recv SYN_ACK(seq=false, ack=false)--> ESTABLISHED
	//   client sends ACK_SYN(seq=false, ack=false)
	// server: SYN_RCVD --recv ACK_SYN(seq=false, ack=false)--> ESTABLISHED
	// client: ESTABLISHED --CLOSE--> FIN_WAIT_1
	//   client sends FIN(seq=false, ack=false)
	// server: ESTABLISHED --recv FIN(seq=false, ack=false)--> CLOSE_WAIT
	//   server sends ACK_FIN(seq=false, ack=false)
	// client: FIN_WAIT_1 --recv ACK_FIN(seq=false, ack=false)--> FIN_WAIT_2
	// server: CLOSE_WAIT --CLOSE--> LAST_ACK
	//   server sends FIN_ACK(seq=false, ack=false)
	// client: FIN_WAIT_2 --recv FIN_ACK(seq=false, ack=false)--> TIME_WAIT
	//   client sends ACK_FIN(seq=false, ack=false)
	// server: LAST_ACK --recv ACK_FIN(seq=false, ack=false)--> CLOSED
	// TIME_WAIT ends in 4m0s
	// client: TIME_WAIT --timeout time_wait--> CLOSED
	// client CLOSED server CLOSED
	// tcp: connection does not exist true
}

func must(err error) {
	if err != nil {
		fmt.Println("error:", err)
	}
}

// Step is the pure core: no clock, no hooks, no allocation.
func ExampleStep() {
	s := tcp.Initial()
	s, fx, err := tcp.Step(s, tcp.CallActiveOpen)
	fmt.Println(s, fx.Sent(), err)
	// The server's SYN_ACK: its ISN is 2 (true), and it acknowledges ours, 0 (false).
	s, fx, _ = tcp.Step(s, tcp.RecvEvent(tcp.SynAck(true, false)))
	fmt.Println(s, fx.Sent(), tcp.Transitions()[fx.Row].Guard)
	// A call that the state refuses fails; the snapshot is unchanged.
	next, _, err := tcp.Step(s, tcp.CallPassiveOpen)
	fmt.Println(err, errors.Is(err, tcp.ErrReported), next == s)
	// Output:
	// SYN_SENT passive=false iss=false irs=false +retransmit [SYN(seq=false)] <nil>
	// ESTABLISHED passive=false iss=false irs=true [ACK_SYN(seq=false, ack=true)] msg.ack == iss
	// tcp: connection already exists true true
}

// A reset in the window reports an error to the user: the transition
// happens, and the error wraps ErrReported. One of another incarnation
// (its sequence number counts from another ISN) is dropped.
func ExampleMachine_Fire_reported() {
	s := tcp.Snapshot{State: tcp.StateEstablished}
	s.SetIrs(true)
	m := tcp.New(tcp.WithSnapshot(s))
	err := m.Deliver(tcp.Rst(false))
	fmt.Println(m.State(), err)
	err = m.Deliver(tcp.Rst(true))
	fmt.Println(m.State(), err, errors.Is(err, tcp.ErrReported))
	// Output:
	// ESTABLISHED <nil>
	// CLOSED tcp: connection reset true
}

// Permitted lists the events that take effect in the current state; calls
// that the state refuses are left out. A receipt is one event per letter
// (message and field values); Kind groups them by message.
func ExampleMachine_Permitted() {
	m := tcp.New(tcp.WithSnapshot(tcp.Snapshot{State: tcp.StateTimeWait, Timers: 1 << tcp.TimerTimeWait}))
	var kinds []tcp.MessageKind
	for _, e := range m.Permitted() {
		if msg, ok := e.Message(); !ok {
			fmt.Print(e, " ")
		} else if k := msg.Kind(); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	fmt.Println(kinds)
	fmt.Println(m.Can(tcp.CallClose), m.Can(tcp.CallAbort), m.Can(tcp.RecvEvent(tcp.Fin(false, true))))
	// Output:
	// ABORT STATUS timeout time_wait [SYN SYN_ACK ACK_SYN FIN FIN_ACK ACK_FIN RST RST_ACK]
	// false true true
}
