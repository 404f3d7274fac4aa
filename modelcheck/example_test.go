package modelcheck_test

import (
	"context"
	"fmt"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// Check the toggle spec's "counts" configuration: every property holds,
// and the state graph is the one worked out by hand in the spec.
func Example() {
	s, err := spec.Load("testdata/toggle.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := modelcheck.New(s, s.Check("counts"), modelcheck.Workers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.OK(), res.States, res.Transitions, res.MaxDepth)
	// Output: true 4 6 2
}

// A failing invariant comes back as a shortest counterexample that can be
// replayed step by step.
func ExampleChecker_Confirm() {
	s, _ := spec.Load("testdata/counter.yaml")
	c, _ := modelcheck.New(s, s.Check("overflow"))
	res, _ := c.Run(context.Background())
	v := res.Violation
	fmt.Println(v.Kind, v.Property, len(v.Trace.Steps), c.Confirm(v))
	for _, st := range v.Trace.Steps {
		fmt.Println(st.N, st.Action, st.From, "->", st.To)
	}
	// Output:
	// invariant below_two 2 <nil>
	// 1 call(a, INC) IDLE -> IDLE
	// 2 call(a, INC) IDLE -> FULL
}
