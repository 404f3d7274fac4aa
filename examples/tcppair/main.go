// Command tcppair runs two TCP endpoints, generated from spec/tcp.yaml as
// package fsm/tcp, in one process: a client and a server joined by an
// in-memory network that may lose segments, on the real clock. It opens a
// connection, closes it from both ends and waits out TIME_WAIT, printing
// every transition and every segment.
//
// Usage:
//
//	go run ./examples/tcppair [-msl 50ms] [-rto 20ms] [-loss 0.2] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/tcp"
)

func main() {
	msl := flag.Duration("msl", 50*time.Millisecond, "maximum segment lifetime; TIME_WAIT lasts twice this")
	rto := flag.Duration("rto", 20*time.Millisecond, "retransmission timeout")
	loss := flag.Float64("loss", 0, "probability that the network loses a segment")
	seed := flag.Uint64("seed", 1, "seed of the network's losses")
	flag.Parse()
	if err := run(os.Stdout, *msl, *rto, *loss, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "tcppair:", err)
		os.Exit(1)
	}
}

// endpoint is one side: a SyncMachine, because its timers expire on the
// runtime's goroutines while segments arrive on the network's.
type endpoint struct {
	name  string
	m     *tcp.SyncMachine
	inbox chan tcp.Message
}

func run(w io.Writer, msl, rto time.Duration, loss float64, seed uint64) error {
	start := time.Now()
	var mu sync.Mutex // orders printing and the network's random numbers
	rng := rand.New(rand.NewPCG(seed, seed))
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%8s  %s\n", time.Since(start).Round(time.Millisecond), fmt.Sprintf(format, args...))
	}
	changed := make(chan struct{}, 1) // a transition happened somewhere

	client := &endpoint{name: "client", inbox: make(chan tcp.Message, 64)}
	server := &endpoint{name: "server", inbox: make(chan tcp.Message, 64)}
	for _, ep := range []struct{ self, peer *endpoint }{{client, server}, {server, client}} {
		self, peer := ep.self, ep.peer
		self.m = tcp.NewSync(
			tcp.WithClock(fsm.SystemClock),
			tcp.WithTimerDuration(tcp.TimerTimeWait, 2*msl),
			tcp.WithTimerDuration(tcp.TimerRetransmit, rto),
			// Hooks run with self's lock held: hand the segment to the
			// network, never call back into self.
			tcp.OnSend(func(msg tcp.Message) {
				mu.Lock()
				lost := rng.Float64() < loss
				mu.Unlock()
				if lost {
					logf("%s sends %v (lost)", self.name, msg)
					return
				}
				select {
				case peer.inbox <- msg:
					logf("%s sends %v", self.name, msg)
				default: // a full network drops, as a real one would
					logf("%s sends %v (dropped: network full)", self.name, msg)
				}
			}),
			tcp.OnTransition(func(t tcp.Transition) {
				if t.From != t.To {
					logf("%s: %v --%v--> %v", self.name, t.From, t.Event, t.To)
				}
				select { // wake the waiter; never block with the lock held
				case changed <- struct{}{}:
				default:
				}
			}),
			tcp.OnError(func(err error) { logf("%s: error: %v", self.name, err) }),
		)
		go func() {
			for msg := range self.inbox {
				_ = self.m.Deliver(msg) // reported errors went to OnError
			}
		}()
	}

	deadline := time.After(10 * time.Second)
	waitFor := func(what string, done func() bool) error {
		for !done() {
			select {
			case <-changed:
			case <-deadline:
				return fmt.Errorf("timed out waiting for %s (client %v, server %v)", what, client.m.State(), server.m.State())
			}
		}
		return nil
	}
	both := func(st tcp.State) func() bool {
		return func() bool { return client.m.State() == st && server.m.State() == st }
	}

	if err := server.m.Fire(tcp.CallPassiveOpen); err != nil {
		return err
	}
	if err := client.m.Fire(tcp.CallActiveOpen); err != nil {
		return err
	}
	if err := waitFor("the connection", both(tcp.StateEstablished)); err != nil {
		return err
	}
	if err := client.m.Fire(tcp.CallClose); err != nil {
		return err
	}
	if err := waitFor("the server to see the close", func() bool { return server.m.State() == tcp.StateCloseWait }); err != nil {
		return err
	}
	if err := server.m.Fire(tcp.CallClose); err != nil {
		return err
	}
	if err := waitFor("both ends to close", both(tcp.StateClosed)); err != nil {
		return err
	}
	client.m.StopTimers()
	server.m.StopTimers()
	logf("both CLOSED")
	return nil
}
