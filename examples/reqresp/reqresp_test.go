package reqresp_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/examples/reqresp/client"
	"github.com/fsmgen/fsmgen/examples/reqresp/msg"
	"github.com/fsmgen/fsmgen/examples/reqresp/server"
	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestVerdicts model-checks the spec's checks and the broken variant with
// the verdicts the README states.
func TestVerdicts(t *testing.T) {
	for _, c := range []struct {
		file, check string
		states      uint64
		violation   modelcheck.Kind // 0: every property holds
		property    string
	}{
		{"reqresp.yaml", "lossy", 19, 0, ""},
		{"reqresp.yaml", "fifo", 17, 0, ""},
		{"testdata/reqresp_noretry.yaml", "lossy", 0, modelcheck.LivenessViolation, "answered"},
	} {
		t.Run(c.file+"/"+c.check, func(t *testing.T) {
			s := spectest.Load(t, c.file)
			r := fsmtest.Run(t, s, spectest.Check(t, s, c.check), modelcheck.Workers(2))
			if c.violation == 0 {
				if !r.OK() {
					var b bytes.Buffer
					r.WriteText(&b)
					t.Fatalf("expected every property to hold:\n%s", b.String())
				}
				if r.States != c.states {
					t.Errorf("%d states, expected %d", r.States, c.states)
				}
				return
			}
			if r.Violation == nil || r.Violation.Kind != c.violation || r.Violation.Property != c.property {
				t.Fatalf("expected %s %s to be violated, got %+v", c.violation, c.property, r.Violation)
			}
		})
	}
}

// TestGeneratedFresh regenerates the msg, client and server packages and
// requires the checked-in files to match (go generate ./examples/reqresp).
func TestGeneratedFresh(t *testing.T) {
	fsmtest.FreshPackages(t, spectest.Load(t, "reqresp.yaml"), "github.com/fsmgen/fsmgen/examples/reqresp", "examples/reqresp/reqresp.yaml")
}

// TestStepAllocs: the generated Step of each machine allocates nothing.
func TestStepAllocs(t *testing.T) {
	c, s := client.Initial(), server.Initial()
	n := testing.AllocsPerRun(100, func() {
		c1, _, _ := client.Step(c, client.CallRequest)
		c2, _, _ := client.Step(c1, client.RecvResp)
		_, _, _ = server.Step(s, server.RecvReq)
		_ = c2
	})
	if n != 0 {
		t.Errorf("Step allocates %v times a run", n)
	}
}

// packet is a message in flight; the two generated packages share one
// Message type, package msg's.
type packet struct {
	toServer bool
	msg      msg.Message
}

// The generated client and server run against each other on a fake
// clock over a network that loses the first request and the first
// response: the client retries after RTO until it is answered.
func Example() {
	clock := fsm.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	start := clock.Now()
	var net []packet
	lost := map[string]bool{}
	send := func(toServer bool, m msg.Message) {
		if name := m.String(); !lost[name] { // the network loses the first of each kind
			lost[name] = true
			fmt.Printf("%4v  %s lost\n", clock.Now().Sub(start), name)
			return
		}
		net = append(net, packet{toServer, m})
	}
	c := client.New(client.WithClock(clock),
		client.OnSend(func(m msg.Message) { send(true, m) }),
		client.OnTransition(func(tr client.Transition) {
			fmt.Printf("%4v  client %v --%v--> %v\n", clock.Now().Sub(start), tr.From, tr.Event, tr.To)
		}))
	s := server.New(server.OnReply(func(m msg.Message) { send(false, m) }))
	deliver := func() {
		for len(net) > 0 {
			p := net[0]
			net = net[1:]
			var err error
			if p.toServer {
				err = s.Deliver(p.msg)
			} else {
				err = c.Deliver(p.msg)
			}
			if err != nil {
				fmt.Println("error:", err)
			}
		}
	}
	if err := c.Fire(client.CallRequest); err != nil {
		fmt.Println("error:", err)
	}
	for i := 0; i < 5 && c.State() != client.StateDone; i++ {
		deliver()
		if c.State() != client.StateDone {
			clock.Advance(client.TimerRetry.Duration())
		}
	}
	fmt.Println("client:", c.State(), "retry armed:", c.Snapshot().Timers.Has(client.TimerRetry))
	// Output:
	//   0s  client IDLE --REQUEST--> WAITING
	//   0s  REQ lost
	//   1s  client WAITING --timeout retry--> WAITING
	//   1s  RESP lost
	//   2s  client WAITING --timeout retry--> WAITING
	//   2s  client WAITING --recv RESP--> DONE
	// client: DONE retry armed: false
}

// TestTwoClients runs two generated clients against one generated server,
// as the check two_clients does: the server's answers are replies, so its
// OnReply hook sends each back to whoever sent the request being
// delivered, and it never sends on its own (OnSend).
func TestTwoClients(t *testing.T) {
	type packet struct {
		from, to string
		msg      msg.Message
	}
	var net []packet
	answered := map[string]int{}
	var from string // the sender of the message the server is receiving
	srv := server.New(
		server.OnSend(func(m server.Message) { t.Errorf("the server sent %v: its answers are replies", m) }),
		server.OnReply(func(m msg.Message) { net = append(net, packet{"server", from, m}) }))
	clients := map[string]*client.Machine{}
	for _, name := range []string{"a", "b"} {
		clients[name] = client.New(client.OnSend(func(m msg.Message) { net = append(net, packet{name, "server", m}) }),
			client.OnTransition(func(tr client.Transition) {
				if tr.To == client.StateDone {
					answered[name]++
				}
			}))
	}
	if err := clients["b"].Fire(client.CallRequest); err != nil {
		t.Fatal(err)
	}
	for steps := 0; len(net) > 0 && steps < 10; steps++ {
		p := net[0]
		net = net[1:]
		var err error
		if p.to == "server" {
			from = p.from
			err = srv.Deliver(p.msg)
		} else {
			err = clients[p.to].Deliver(p.msg)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if clients["a"].State() != client.StateIdle || clients["b"].State() != client.StateDone || answered["b"] != 1 || answered["a"] != 0 {
		t.Errorf("a %v, b %v, answered %v: want only b answered, once", clients["a"].State(), clients["b"].State(), answered)
	}
}
