package abp_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/examples/abp/msg"
	"github.com/fsmgen/fsmgen/examples/abp/receiver"
	"github.com/fsmgen/fsmgen/examples/abp/sender"
	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestGeneratedFresh regenerates the msg, sender and receiver packages and
// requires the checked-in files to match (go generate ./examples/abp).
func TestGeneratedFresh(t *testing.T) {
	fsmtest.FreshPackages(t, spectest.Load(t, "abp.yaml"), "github.com/fsmgen/fsmgen/examples/abp", "examples/abp/abp.yaml")
}

// TestMessages: the constructors, accessors and names of messages with
// fields, which the two machines' packages share as one type (package msg).
func TestMessages(t *testing.T) {
	d := msg.Data(true, 2)
	if f, ok := d.Data(); !ok || !f.Bit || f.Item != 2 || d.Kind() != msg.KindData || d.String() != "DATA(bit=true, item=2)" {
		t.Errorf("Data(true, 2) = %v %+v %v", d, f, ok)
	}
	if _, ok := d.Ack(); ok {
		t.Error("a DATA message reads as an ACK")
	}
	bad := msg.Data(false, 4)
	err := receiver.New().Deliver(bad)
	if bad.Valid() || err == nil || !errors.Is(err, fsm.ErrRejected) || !strings.Contains(err.Error(), "receipt of an invalid message") {
		t.Errorf("Data(false, 4) = %v is valid or delivered: %v", bad, err)
	}
	for bit := range 2 {
		for item := range 4 {
			m := msg.Data(bit == 1, item)
			if f, ok := m.Data(); !ok || f.Bit != (bit == 1) || f.Item != item {
				t.Errorf("%v reads as %+v", m, f)
			}
			// One message type: what the sender sends, the receiver receives.
			var sent sender.Message = m
			if receiver.RecvEvent(sent).String() != "recv "+m.String() {
				t.Errorf("%v: the receiver receives %v", m, receiver.RecvEvent(sent))
			}
		}
	}
	if a := msg.Ack(true); a.String() != "ACK(bit=true)" || receiver.RecvEvent(msg.Data(false, 1)).String() != "recv DATA(bit=false, item=1)" {
		t.Errorf("Ack(true) = %v", a)
	}
	if sender.NumLetters != msg.NumLetters || receiver.NumMessages != msg.NumMessages {
		t.Errorf("the machines count %d and %d messages, package msg %d and %d", sender.NumLetters, receiver.NumMessages, msg.NumLetters, msg.NumMessages)
	}
}

// TestStepAllocs: the generated Step and Deliver allocate nothing with
// message fields either.
func TestStepAllocs(t *testing.T) {
	r := receiver.New(receiver.OnSend(func(receiver.Message) {}))
	n := testing.AllocsPerRun(100, func() {
		s1, _, _ := sender.Step(sender.Initial(), sender.CallSend)
		_, fx, _ := sender.Step(s1, sender.RecvEvent(msg.Ack(false)))
		_ = fx.Sent()
		_ = r.Deliver(msg.Data(r.Snapshot().Rbit(), 1))
	})
	if n != 0 {
		t.Errorf("Step allocates %v times a run", n)
	}
}

// TestSnapshotInRegisters: the compiler keeps both snapshots in registers.
func TestSnapshotInRegisters(t *testing.T) {
	for _, ty := range []reflect.Type{reflect.TypeFor[sender.Snapshot](), reflect.TypeFor[receiver.Snapshot]()} {
		if why := fsmtest.InRegisters(ty); why != "" {
			t.Error(why)
		}
	}
}

// The generated sender and receiver run against each other on a fake
// clock over a FIFO network that loses the first DATA message: the sender
// retransmits it after its timeout, and each item is delivered once, in
// order, whatever the retransmissions.
func Example() {
	clock := fsm.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	start := clock.Now()
	at := func() time.Duration { return clock.Now().Sub(start) }
	var toReceiver, toSender []msg.Message
	lostOne := false
	s := sender.New(sender.WithClock(clock), sender.OnSend(func(m sender.Message) {
		if !lostOne {
			lostOne = true
			fmt.Printf("%4v  %v lost\n", at(), m)
			return
		}
		toReceiver = append(toReceiver, m)
	}))
	var delivered []int
	r := receiver.New(receiver.OnSend(func(m msg.Message) { toSender = append(toSender, m) }))
	for item := 0; item < 3; item++ {
		if err := s.Fire(sender.CallSend); err != nil {
			fmt.Println("error:", err)
		}
		for i := 0; i < 5 && s.State() != sender.StateReady; i++ {
			for len(toReceiver) > 0 || len(toSender) > 0 {
				for _, m := range toReceiver {
					fmt.Printf("%4v  receiver gets %v\n", at(), m)
					expected := r.Snapshot().Rbit()
					_ = r.Deliver(m)
					if f, _ := m.Data(); f.Bit == expected {
						// The bit the receiver expected: it delivers the item.
						delivered = append(delivered, f.Item)
					}
				}
				toReceiver = toReceiver[:0]
				for _, m := range toSender {
					fmt.Printf("%4v  sender gets %v\n", at(), m)
					_ = s.Deliver(m)
				}
				toSender = toSender[:0]
			}
			if s.State() != sender.StateReady {
				clock.Advance(sender.TimerRto.Duration())
			}
		}
	}
	fmt.Println("delivered:", delivered, "sender:", s.State(), "rto armed:", s.Snapshot().Timers.Has(sender.TimerRto))
	// Output:
	//   0s  DATA(bit=false, item=0) lost
	//   1s  receiver gets DATA(bit=false, item=0)
	//   1s  sender gets ACK(bit=false)
	//   1s  receiver gets DATA(bit=true, item=1)
	//   1s  sender gets ACK(bit=true)
	//   1s  receiver gets DATA(bit=false, item=2)
	//   1s  sender gets ACK(bit=false)
	// delivered: [0 1 2] sender: READY rto armed: false
}

// BenchmarkStep: one step of each generated machine on a message with fields.
func BenchmarkStep(b *testing.B) {
	s, _, _ := sender.Step(sender.Initial(), sender.CallSend)
	ack := sender.RecvEvent(msg.Ack(false))
	r := receiver.Initial()
	data := receiver.RecvEvent(msg.Data(false, 1))
	b.ReportAllocs()
	for b.Loop() {
		n, fx, _ := sender.Step(s, ack)
		m, fy, _ := receiver.Step(r, data)
		if n.State != sender.StateReady || fx.Row < 0 || !m.Rbit() || len(fy.Sent()) != 1 {
			b.Fatal("unexpected step")
		}
	}
}
