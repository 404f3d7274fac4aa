package trace_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
	"github.com/fsmgen/fsmgen/trace"
)

// FuzzRead feeds arbitrary traces to the validator of the TCP machine and
// of the alternating-bit sender (messages with fields): it never panics,
// every error is an *InputError at a line and column of the trace, and a
// trace it accepts has a result for every instance it names.
func FuzzRead(f *testing.F) {
	files, err := filepath.Glob("testdata/*.jsonl")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed traces in testdata: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"id":"a","event":"recv DATA","fields":{"bit":true,"item":7}}`))
	f.Add([]byte("{\"id\":\"a\",\"state\":\"LISTEN\"\n"))
	f.Add([]byte("{\"observed\":[\"call\",\"timeout\"]}\n{\"id\":\"a\",\"state\":\"SYN_SENT\"}\n"))
	tcp, abp := spectest.TCP(f), spectest.Load(f, "../examples/abp/abp.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []struct {
			s    *spec.Spec
			opts trace.Options
		}{{tcp, trace.Options{}}, {abp, trace.Options{Machine: "sender"}}} {
			res, err := trace.Validate(c.s, bytes.NewReader(data), "f.jsonl", c.opts)
			if err != nil {
				var ie *trace.InputError
				if !errors.As(err, &ie) || ie.Line < 1 || ie.Col < 1 || !strings.HasPrefix(err.Error(), "f.jsonl:") {
					t.Fatalf("%s: error without a position in the trace: %v", c.s.File, err)
				}
				continue
			}
			if res == nil {
				t.Fatalf("%s: no result and no error", c.s.File)
			}
		}
	})
}
