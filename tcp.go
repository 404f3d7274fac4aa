// Package fsmgen holds the product spec: the TCP connection state machine of
// spec/tcp.yaml (RFC 9293), embedded so that the command line checks it when
// given no spec file, and so that the generated fsm/tcp, the renderings in
// tla/ and the tests all read the one text. The toolkit itself is in the
// packages below: spec (the language and its IR), gen (Go, diagrams,
// Promela, TLA+), fsm (the runtime of generated machines), modelcheck,
// trace and the command cmd/fsmgen.
package fsmgen

import (
	"bytes"
	_ "embed"

	"github.com/fsmgen/fsmgen/spec"
)

//go:embed spec/tcp.yaml
var tcpSource []byte

// TCPFile is the name the embedded TCP spec is loaded under.
const TCPFile = "spec/tcp.yaml"

// TCPSource returns the text of the embedded TCP spec.
func TCPSource() []byte { return bytes.Clone(tcpSource) }

// TCP loads the embedded TCP spec.
func TCP(opts ...spec.Option) (*spec.Spec, error) { return spec.Parse(TCPFile, tcpSource, opts...) }
