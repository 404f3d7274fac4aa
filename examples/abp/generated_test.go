package abp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/examples/abp/receiver"
	"github.com/fsmgen/fsmgen/examples/abp/sender"
	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

// TestGeneratedFresh regenerates the sender and receiver packages and
// requires the checked-in files to match (go generate ./examples/abp).
func TestGeneratedFresh(t *testing.T) {
	s, err := spec.Load("abp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"sender", "receiver"} {
		fsmtest.Fresh(t, s, gen.GoOptions{Machine: m, Package: m, Source: "examples/abp/abp.yaml"}, m+"/"+m+".go", "go generate ./examples/abp")
	}
}

// TestMessages: the constructors, accessors and names of messages with
// fields, and the letters the two packages share.
func TestMessages(t *testing.T) {
	d := sender.Data(true, 2)
	if f, ok := d.Data(); !ok || !f.Bit || f.Item != 2 || d.Kind() != sender.KindData || d.String() != "DATA(bit=true, item=2)" {
		t.Errorf("Data(true, 2) = %v %+v %v", d, f, ok)
	}
	if _, ok := d.Ack(); ok {
		t.Error("a DATA message reads as an ACK")
	}
	if bad := sender.Data(false, 4); bad.Valid() || receiver.New().Deliver(receiver.Message(bad)) == nil {
		t.Errorf("Data(false, 4) = %v is valid or delivered", bad)
	}
	for bit := range 2 {
		for item := range 4 {
			m := receiver.Data(bit == 1, item)
			if uint8(m) != uint8(sender.Data(bit == 1, item)) {
				t.Errorf("DATA(%d, %d): the packages number it differently", bit, item)
			}
			if f, ok := m.Data(); !ok || f.Bit != (bit == 1) || f.Item != item {
				t.Errorf("%v reads as %+v", m, f)
			}
		}
	}
	if a := receiver.Ack(true); a.String() != "ACK(bit=true)" || uint8(a) != uint8(sender.Ack(true)) || receiver.RecvEvent(receiver.Data(false, 1)).String() != "recv DATA(bit=false, item=1)" {
		t.Errorf("Ack(true) = %v", a)
	}
}

// TestStepAllocs: the generated Step and Deliver allocate nothing with
// message fields either.
func TestStepAllocs(t *testing.T) {
	r := receiver.New(receiver.OnSend(func(receiver.Message) {}))
	n := testing.AllocsPerRun(100, func() {
		s1, _, _ := sender.Step(sender.Initial(), sender.CallSend)
		_, fx, _ := sender.Step(s1, sender.RecvEvent(sender.Ack(false)))
		_ = fx.Sent()
		_ = r.Deliver(receiver.Data(r.Snapshot().Rbit, 1))
	})
	if n != 0 {
		t.Errorf("Step allocates %v times a run", n)
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
	var toReceiver []receiver.Message
	var toSender []sender.Message
	lostOne := false
	s := sender.New(sender.WithClock(clock), sender.OnSend(func(m sender.Message) {
		if !lostOne {
			lostOne = true
			fmt.Printf("%4v  %v lost\n", at(), m)
			return
		}
		// The packages share the spec's numbering of messages.
		toReceiver = append(toReceiver, receiver.Message(m))
	}))
	var delivered []int
	r := receiver.New(receiver.OnSend(func(m receiver.Message) { toSender = append(toSender, sender.Message(m)) }))
	for item := 0; item < 3; item++ {
		if err := s.Fire(sender.CallSend); err != nil {
			fmt.Println("error:", err)
		}
		for i := 0; i < 5 && s.State() != sender.StateReady; i++ {
			for len(toReceiver) > 0 || len(toSender) > 0 {
				for _, m := range toReceiver {
					fmt.Printf("%4v  receiver gets %v\n", at(), m)
					expected := r.Snapshot().Rbit
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
	ack := sender.RecvEvent(sender.Ack(false))
	r := receiver.Initial()
	data := receiver.RecvEvent(receiver.Data(false, 1))
	b.ReportAllocs()
	for b.Loop() {
		n, fx, _ := sender.Step(s, ack)
		m, fy, _ := receiver.Step(r, data)
		if n.State != sender.StateReady || fx.Row < 0 || !m.Rbit || len(fy.Sent()) != 1 {
			b.Fatal("unexpected step")
		}
	}
}
