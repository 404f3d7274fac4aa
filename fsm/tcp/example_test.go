package tcp_test

import (
	"errors"
	"fmt"
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
	//   client sends SYN
	// server: LISTEN --recv SYN--> SYN_RCVD
	//   server sends SYN_ACK
	// client: SYN_SENT --recv SYN_ACK--> ESTABLISHED
	//   client sends ACK_SYN
	// server: SYN_RCVD --recv ACK_SYN--> ESTABLISHED
	// client: ESTABLISHED --CLOSE--> FIN_WAIT_1
	//   client sends FIN
	// server: ESTABLISHED --recv FIN--> CLOSE_WAIT
	//   server sends ACK_FIN
	// client: FIN_WAIT_1 --recv ACK_FIN--> FIN_WAIT_2
	// server: CLOSE_WAIT --CLOSE--> LAST_ACK
	//   server sends FIN_ACK
	// client: FIN_WAIT_2 --recv FIN_ACK--> TIME_WAIT
	//   client sends ACK_FIN
	// server: LAST_ACK --recv ACK_FIN--> CLOSED
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
	s, fx, _ = tcp.Step(s, tcp.RecvSynAck)
	fmt.Println(s, fx.Sent(), tcp.Transitions()[fx.Row].On)
	// A call that the state refuses fails; the snapshot is unchanged.
	next, _, err := tcp.Step(s, tcp.CallPassiveOpen)
	fmt.Println(err, errors.Is(err, tcp.ErrReported), next == s)
	// Output:
	// SYN_SENT passive=false +retransmit [SYN] <nil>
	// ESTABLISHED passive=false [ACK_SYN] [recv SYN_ACK]
	// tcp: connection already exists true true
}

// A reset reports an error to the user: the transition happens, and the
// error wraps ErrReported.
func ExampleMachine_Fire_reported() {
	m := tcp.New(tcp.WithSnapshot(tcp.Snapshot{State: tcp.StateEstablished}))
	err := m.Deliver(tcp.MsgRst)
	fmt.Println(m.State(), err, errors.Is(err, tcp.ErrReported))
	// Output:
	// CLOSED tcp: connection reset true
}

// Permitted lists the events that take effect in the current state; calls
// that the state refuses are left out.
func ExampleMachine_Permitted() {
	m := tcp.New(tcp.WithSnapshot(tcp.Snapshot{State: tcp.StateTimeWait, Timers: 1 << tcp.TimerTimeWait}))
	fmt.Println(m.Permitted())
	fmt.Println(m.Can(tcp.CallClose), m.Can(tcp.CallAbort))
	// Output:
	// [ABORT STATUS recv SYN recv SYN_ACK recv FIN recv FIN_ACK recv RST timeout time_wait]
	// false true
}
