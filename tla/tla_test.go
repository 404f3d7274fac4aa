package tla

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestUpToDate fails when the checked-in modules differ from a fresh
// rendering of spec/tcp.yaml (the embedded copy): run `go generate ./tla`
// after changing the spec or the renderer.
func TestUpToDate(t *testing.T) {
	s := spectest.TCP(t)
	want := map[string][]byte{}
	for _, c := range s.Checks {
		mod, cfg, err := gen.TLA(s, c)
		if err != nil {
			t.Fatal(err)
		}
		want[gen.TLAModuleName(s, c)+".tla"] = mod
		want[gen.TLAModuleName(s, c)+".cfg"] = cfg
	}
	var have []string
	for _, pat := range []string{"*.tla", "*.cfg"} {
		m, _ := filepath.Glob(pat)
		have = append(have, m...)
	}
	sort.Strings(have)
	for _, f := range have {
		if _, ok := want[f]; !ok {
			t.Errorf("tla/%s is not rendered from spec/tcp.yaml any more: delete it", f)
		}
	}
	for f, w := range want {
		got, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("tla/%s is missing: run go generate ./tla", f)
			continue
		}
		if !bytes.Equal(got, w) {
			t.Errorf("tla/%s is stale: run go generate ./tla", f)
		}
	}
}
