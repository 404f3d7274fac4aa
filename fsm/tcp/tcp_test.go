package tcp_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/fsm/tcp"
	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestNotStale fails when tcp.go differs from a fresh generation from the
// embedded spec/tcp.yaml: run go generate ./fsm/tcp.
func TestNotStale(t *testing.T) {
	s := spectest.TCP(t)
	fsmtest.Fresh(t, s, gen.GoOptions{Package: "tcp", Source: fsmgen.TCPFile}, "tcp.go", "go generate ./fsm/tcp")
}

// TestMatchesSpec compares Packed.Step with the reference semantics on every snapshot.
func TestMatchesSpec(t *testing.T) {
	s := spectest.TCP(t)
	if err := fsmtest.ComparePacked(s, tcp.Packed.Step); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotInRegisters checks that the compiler can keep a Snapshot in
// registers: one in memory makes every step pay store-forwarding stalls.
func TestSnapshotInRegisters(t *testing.T) {
	if why := fsmtest.InRegisters(reflect.TypeFor[tcp.Snapshot]()); why != "" {
		t.Error(why)
	}
}

// closeSeq opens actively with ISN n (true: 2, false: 0) against a peer
// with the other ISN, and closes through TIME_WAIT.
func closeSeq(n bool) []tcp.Event {
	p := !n
	return []tcp.Event{tcp.CallActiveOpen, tcp.RecvEvent(tcp.SynAck(p, n)), tcp.CallClose,
		tcp.RecvEvent(tcp.AckFin(p, n)), tcp.RecvEvent(tcp.Fin(p, n)), tcp.TimeoutTimeWait}
}

func TestZeroAllocs(t *testing.T) {
	// Each open takes the next ISN: the sequences for both.
	seqs := map[bool][]tcp.Event{false: closeSeq(false), true: closeSeq(true)}
	allocs := testing.AllocsPerRun(1000, func() {
		s := tcp.Initial()
		for _, e := range seqs[!s.Iss()] {
			s, _, _ = tcp.Step(s, e)
		}
		if s.State != tcp.StateClosed {
			t.Fatal("the sequence did not end in CLOSED")
		}
	})
	if allocs != 0 {
		t.Errorf("Step: %v allocs per sequence", allocs)
	}
	n := 0
	m := tcp.New(tcp.OnTransition(func(tcp.Transition) { n++ }))
	allocs = testing.AllocsPerRun(1000, func() {
		for _, e := range seqs[!m.Snapshot().Iss()] {
			if err := m.Fire(e); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Machine.Fire: %v allocs per sequence", allocs)
	}
	if m.State() != tcp.StateClosed || n == 0 {
		t.Errorf("machine in %v after %d transitions", m.State(), n)
	}
}

// TestSyncMachineRealClock runs a client and a server as SyncMachines on the
// real clock with short timers, segments crossing goroutines: meant for -race.
// It waits on transitions, never on wall-clock sleeps.
func TestSyncMachineRealClock(t *testing.T) {
	type ep struct {
		m     *tcp.SyncMachine
		inbox chan tcp.Message
	}
	changed := make(chan struct{}, 1024)
	client, server := &ep{inbox: make(chan tcp.Message, 64)}, &ep{inbox: make(chan tcp.Message, 64)}
	for _, p := range [][2]*ep{{client, server}, {server, client}} {
		self, peer := p[0], p[1]
		self.m = tcp.NewSync(
			tcp.WithClock(fsm.SystemClock),
			tcp.WithTimerDuration(tcp.TimerTimeWait, 10*time.Millisecond),
			tcp.WithTimerDuration(tcp.TimerRetransmit, 5*time.Millisecond),
			tcp.OnSend(func(m tcp.Message) {
				select {
				case peer.inbox <- m:
				default: // never block with the lock held; a full network drops
				}
			}),
			tcp.OnTransition(func(tcp.Transition) {
				select {
				case changed <- struct{}{}:
				default:
				}
			}),
		)
		go func() {
			for m := range self.inbox {
				_ = self.m.Deliver(m)
			}
		}()
	}
	defer close(client.inbox)
	defer close(server.inbox)
	wait := func(what string, ok func() bool) {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for !ok() {
			select {
			case <-changed:
			case <-timeout:
				t.Fatalf("no %s: client %v, server %v", what, client.m.State(), server.m.State())
			}
		}
	}
	if err := server.m.Fire(tcp.CallPassiveOpen); err != nil {
		t.Fatal(err)
	}
	if err := client.m.Fire(tcp.CallActiveOpen); err != nil {
		t.Fatal(err)
	}
	wait("connection", func() bool {
		return client.m.State() == tcp.StateEstablished && server.m.State() == tcp.StateEstablished
	})
	if err := client.m.Fire(tcp.CallClose); err != nil {
		t.Fatal(err)
	}
	wait("CLOSE_WAIT", func() bool { return server.m.State() == tcp.StateCloseWait })
	if err := server.m.Fire(tcp.CallClose); err != nil {
		t.Fatal(err)
	}
	wait("close", func() bool { return client.m.State() == tcp.StateClosed && server.m.State() == tcp.StateClosed })
	client.m.StopTimers()
	server.m.StopTimers()
}

// TestFireRejectsIdleTimer: a timer expires only while it runs, so Fire
// rejects the timeout of a timer that is not running and changes nothing,
// and Can says no; once the timer runs, the timeout fires.
func TestFireRejectsIdleTimer(t *testing.T) {
	m := tcp.New(tcp.WithSnapshot(tcp.Snapshot{State: tcp.StateTimeWait}))
	if err := m.Fire(tcp.TimeoutTimeWait); !errors.Is(err, tcp.ErrRejected) || m.State() != tcp.StateTimeWait || m.Can(tcp.TimeoutTimeWait) {
		t.Errorf("timeout with the timer stopped: %v, state %v, Can %v", err, m.State(), m.Can(tcp.TimeoutTimeWait))
	}
	m = tcp.New(tcp.WithSnapshot(tcp.Snapshot{State: tcp.StateTimeWait, Timers: 1 << tcp.TimerTimeWait}))
	if err := m.Fire(tcp.TimeoutTimeWait); err != nil || m.State() != tcp.StateClosed {
		t.Errorf("timeout with the timer running: %v, state %v", err, m.State())
	}
}
