package proptest

import (
	"flag"
	"testing"

	"github.com/leanovate/gopter"
)

// Seed is the fixed seed of every property, so that a run is reproducible;
// -propseed picks another.
var (
	seed     = flag.Int64("propseed", 20240611, "seed of the property tests")
	longProp = flag.Bool("longprop", false, "run the property tests with many more cases")
)

// long reports whether the long runs are on (-longprop or -tags longprop).
func long() bool { return *longProp || longTag }

// params returns gopter parameters for n cases (ten times as many with
// -longprop), with the fixed seed and a shrink budget.
func params(t *testing.T, n int) *gopter.TestParameters {
	t.Helper()
	if long() {
		n *= 10
	}
	p := gopter.DefaultTestParametersWithSeed(*seed)
	p.MinSuccessfulTests = n
	p.MaxShrinkCount = 2000
	return p
}
