package proptest

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/tcp"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// tcpMachine adapts the generated fsm/tcp Machine to Machine.
type tcpMachine struct{ m *tcp.Machine }

func (a tcpMachine) Fire(e int) error { return a.m.Fire(tcp.Event(e)) }
func (a tcpMachine) Packed() uint64   { return tcp.Packed.Pack(a.m.Snapshot()) }

func newTCP(clock fsm.Clock, observe func(Transition)) Machine {
	opts := []tcp.Option{tcp.WithClock(clock)}
	if observe != nil {
		opts = append(opts, tcp.OnTransition(func(t tcp.Transition) {
			observe(Transition{From: int(t.From), Event: int(t.Event), To: int(t.To), Row: t.Row, At: clock.Now()})
		}))
	}
	return tcpMachine{tcp.New(opts...)}
}

// TestTimeWaitTCP: the generated fsm/tcp Machine keeps TIME_WAIT for exactly 2×MSL.
func TestTimeWaitTCP(t *testing.T) {
	s := spectest.TCP(t)
	props := gopter.NewProperties(params(t, 3000))
	props.Property("TIME_WAIT lasts exactly 2×MSL (fsm/tcp)", prop.ForAll(
		func(h History) string { return CheckTimeWait(s, newTCP, h) },
		HistoryGen{S: s}.Gen(),
	))
	props.TestingRun(t)
}

// mslCase is a history run with a given MSL.
type mslCase struct {
	MSL     time.Duration
	History History
}

func (c mslCase) String() string {
	return fmt.Sprintf("MSL %s (spec.WithParam(\"MSL\", %s)), history:\n%s", c.MSL, goDuration(c.MSL), c.History.GoString())
}

// tcpWithMSL caches the TCP spec parsed with each MSL.
var tcpWithMSL sync.Map

func tcpMSL(msl time.Duration) *spec.Spec {
	if s, ok := tcpWithMSL.Load(msl); ok {
		return s.(*spec.Spec)
	}
	s, err := fsmgen.TCP(spec.WithParam("MSL", msl))
	if err != nil {
		panic(err)
	}
	tcpWithMSL.Store(msl, s)
	return s
}

// randomMSL is anything from a millisecond to ten minutes, often a round value.
func randomMSL(r *rand.Rand) time.Duration {
	switch r.Intn(3) {
	case 0:
		return time.Duration(1+r.Intn(600)) * time.Second
	case 1:
		return time.Duration(1+r.Intn(5000)) * time.Millisecond
	}
	return time.Duration(1 + r.Int63n(int64(10*time.Minute)))
}

// mslGen generates an MSL and a history for the TCP spec with that MSL.
func mslGen() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		// A pool of MSLs keeps the parses few; the pool itself is random.
		msl := randomMSL(rand.New(rand.NewSource(p.Rng.Int63n(40))))
		h := HistoryGen{S: tcpMSL(msl)}.Gen()(p)
		shrinkH := h.Shrinker
		c := mslCase{MSL: msl, History: h.Result.(History)}
		return gopter.NewGenResult(c, func(v any) gopter.Shrink {
			c := v.(mslCase)
			return shrinkH(c.History).Map(func(h History) mslCase { return mslCase{MSL: c.MSL, History: h} })
		})
	}
}

// TestTimeWaitAnyMSL: the property holds for any MSL. The generated Machine
// has its durations fixed at generation time, so this runs the same spec
// with the param overridden on the IR machine, which shares the Machine's
// timer semantics (fsm.Timers).
func TestTimeWaitAnyMSL(t *testing.T) {
	props := gopter.NewProperties(params(t, 1000))
	props.Property("TIME_WAIT lasts exactly 2×MSL, any MSL (IR machine)", prop.ForAll(
		func(c mslCase) string { s := tcpMSL(c.MSL); return CheckTimeWait(s, NewIRMachine(s), c.History) },
		mslGen(),
	))
	props.TestingRun(t)
}

// TestTimeWaitTeeth: deliberately broken copies of tcp.yaml make the
// property fail, with a shrunk history.
func TestTimeWaitTeeth(t *testing.T) {
	for _, name := range []string{"tcp_timewait_1msl.yaml", "tcp_timewait_fin_no_restart.yaml"} {
		t.Run(name, func(t *testing.T) {
			s := spectest.Load(t, filepath.Join("testdata", name))
			p := params(t, 3000)
			res := prop.ForAll(func(h History) string { return CheckTimeWait(s, NewIRMachine(s), h) }, HistoryGen{S: s}.Gen()).Check(p)
			if res.Passed() {
				t.Fatalf("the TIME_WAIT property passed %d cases on %s: it has no teeth", res.Succeeded, name)
			}
			arg := res.Args[0]
			t.Logf("fails after %d passing cases (%d shrinks): %s\nshrunk history:\n%s", res.Succeeded, arg.Shrinks, strings.Join(res.Labels, "; "), arg.Arg.(History).GoString())
		})
	}
}
