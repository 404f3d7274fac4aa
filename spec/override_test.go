package spec

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestExtends(t *testing.T) {
	s := mustParse(t, "family.yaml", family(t))
	b, c := s.Check("base"), s.Check("bigger")
	if b == nil || c == nil {
		t.Fatalf("checks %v", s.Checks)
	}
	if !b.Default || c.Default {
		t.Errorf("default: base %v, bigger %v (want only base)", b.Default, c.Default)
	}
	if c.Doc != "" {
		t.Errorf("doc inherited: %q", c.Doc)
	}
	if got := c.Channels[0].Capacity; got != 5 {
		t.Errorf("bigger capacity %d, want 5 (overridden)", got)
	}
	if c.Channels[0].Order != Unordered {
		t.Errorf("bigger order %v, want unordered (inherited)", c.Channels[0].Order)
	}
	if got := b.Channels[0].Capacity; got != 2 {
		t.Errorf("base capacity %d changed", got)
	}
	// Mappings merge key by key: back keeps LOCK: 2 and gains OPEN: 3.
	var calls []string
	for _, cb := range c.Peers[1].Calls {
		calls = append(calls, cb.Call.Name+"="+itoa(cb.Budget))
	}
	if strings.Join(calls, ",") != "LOCK=2,OPEN=3" {
		t.Errorf("bigger back calls %v", calls)
	}
	if len(c.Invariants) != 2 || len(b.Invariants) != 1 {
		t.Errorf("invariants: bigger %d (want 2), base %d (want 1)", len(c.Invariants), len(b.Invariants))
	}
}

func itoa(n int) string {
	if n == Unbounded {
		return "unbounded"
	}
	return strconv.Itoa(n)
}

func TestExtendsErrors(t *testing.T) {
	for _, tc := range []struct{ edit, want string }{
		{"extends: base", `family.yaml:25:14: check bigger extends "nosuch": no such check configuration: expected one of base, bigger`},
		{"    default: true", "family.yaml:15:3: check base extends itself: base -> bigger -> base"},
	} {
		src := family(t)
		switch tc.edit {
		case "extends: base":
			src = strings.Replace(src, "extends: base", "extends: nosuch", 1)
		default:
			src = strings.Replace(src, tc.edit, "    extends: bigger", 1)
		}
		_, err := Parse("family.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v\nwant %s", tc.edit, err, tc.want)
		}
	}
}

func TestOverride(t *testing.T) {
	familySpec := family(t)
	s := mustParse(t, "family.yaml", familySpec,
		Override("", "network.capacity", "6"), Override("", "peers.front.calls.LOCK", "unbounded"),
		Override("bigger", "peers.back.inbox", "{capacity: 1, loss: true}"))
	b, c := s.Check("base"), s.Check("bigger")
	if b.Channels[0].Capacity != 6 || b.Channels[1].Capacity != 6 {
		t.Errorf("base capacities %d %d, want 6", b.Channels[0].Capacity, b.Channels[1].Capacity)
	}
	if b.Peers[0].Calls[1].Budget != Unbounded {
		t.Errorf("front LOCK budget %d", b.Peers[0].Calls[1].Budget)
	}
	if c.Channels[1].Capacity != 1 || !c.Channels[1].Loss || c.Channels[0].Capacity != 5 {
		t.Errorf("bigger channels %+v %+v", c.Channels[0], c.Channels[1])
	}
	mustParse(t, "family.yaml", familySpec, Override("*", "network.capacity", "3"))
	for _, tc := range []struct {
		check, path, val, want string
	}{
		{"", "network.capacity", "lots", `family.yaml:15:3: network capacity must be an integer, found "lots" (from --set network.capacity=lots)`},
		{"", "network.colour", "red", `family.yaml:15:3: unknown field "colour" in network: expected order, capacity, full, loss, duplicate, lifetime (from --set network.colour=red)`},
		{"", "peers.nobody.calls.OPEN", "1", `family.yaml:15:3: --set peers.nobody.calls.OPEN=1: check base has no peer "nobody": its peers are front, back`},
		{"bigger", "peers.back.calls.FLY", "1", `family.yaml:24:3: unknown call "FLY" (from --set peers.back.calls.FLY=1)`},
		{"", "terminal", "front.state = LOCKED", `family.yaml:15:3: invalid expression "front.state = LOCKED": expected '==', found '=': = is not a comparison, write == (or != for not equal) (from --set terminal=front.state = LOCKED)`},
		{"", "invariants.front_not_open.x", "1", `--set invariants.front_not_open.x=1: invariants.front_not_open is "front.state != OPENED", not a mapping with field x`},
	} {
		_, err := Parse("family.yaml", []byte(familySpec), Override(tc.check, tc.path, tc.val))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--set %s=%s: got %v\nwant %s", tc.path, tc.val, err, tc.want)
		}
	}
}

// The TCP spec's lossy family can be written with extends.
func TestExtendsTCPFamily(t *testing.T) {
	tcpSource := readFile(t, "tcp.yaml")
	src := string(tcpSource) + `  lossy_cap6:
    extends: lossy
    network: {capacity: 6}
`
	if !strings.HasSuffix(string(tcpSource), "\n") {
		t.Fatal("tcp.yaml does not end in a newline")
	}
	s := mustParse(t, "tcp.yaml", src)
	a, b := s.Check("lossy"), s.Check("lossy_cap6")
	if b.Channels[0].Capacity != 6 || !b.Channels[0].Loss || len(b.Invariants) != len(a.Invariants) || len(b.Eventually) != 1 {
		t.Errorf("lossy_cap6 %+v", b)
	}
}

// The schema asks for what the loader requires: a check that extends none
// needs peers, a network and a capacity for every inbox.
func TestSchemaCheckRequirements(t *testing.T) {
	data := readFile(t, "schema.json")
	var schema struct {
		Defs struct {
			Check struct {
				If   map[string]any `json:"if"`
				Then struct {
					Required []string `json:"required"`
					AnyOf    []struct {
						Properties map[string]struct {
							Required             []string `json:"required"`
							AdditionalProperties struct {
								Required   []string `json:"required"`
								Properties map[string]struct {
									Required []string `json:"required"`
								} `json:"properties"`
							} `json:"additionalProperties"`
						} `json:"properties"`
					} `json:"anyOf"`
				} `json:"then"`
				Properties map[string]any `json:"properties"`
			} `json:"check"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	c := schema.Defs.Check
	if c.Properties["extends"] == nil || c.If == nil {
		t.Fatal("schema.json: check has no extends, or no condition on it")
	}
	if strings.Join(c.Then.Required, ",") != "peers,network" || len(c.Then.AnyOf) != 2 {
		t.Fatalf("schema.json: check then %+v", c.Then)
	}
	if got := c.Then.AnyOf[0].Properties["network"].Required; strings.Join(got, ",") != "capacity" {
		t.Errorf("network capacity not required: %v", got)
	}
	peer := c.Then.AnyOf[1].Properties["peers"].AdditionalProperties
	if strings.Join(peer.Required, ",") != "inbox" || strings.Join(peer.Properties["inbox"].Required, ",") != "capacity" {
		t.Errorf("per-peer inbox capacity not required: %+v", peer)
	}
	// And the loader agrees: no capacity anywhere is an error.
	src := strings.Replace(family(t), "network: {order: unordered, capacity: 2}", "network: {order: unordered}", 1)
	if _, err := Parse("family.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), "network needs capacity") {
		t.Errorf("no capacity: %v", err)
	}
}

// family is testdata/family.yaml: a door with checks built with extends.
func family(t *testing.T) string { return string(readFile(t, "testdata/family.yaml")) }

// readFile reads the file at path, failing t on an error.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustParse parses src as the spec file name with opts, failing t on an
// error: spectest.Parse for the tests of this package, which cannot import
// spectest.
func mustParse(t *testing.T, name, src string, opts ...Option) *Spec {
	t.Helper()
	s, err := Parse(name, []byte(src), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
