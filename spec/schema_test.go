package spec

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSchema checks that schema.json is valid JSON of draft 2020-12 and, as
// a consistency check, that each closed object in it (additionalProperties:
// false) lists exactly the fields the loader accepts there.
func TestSchema(t *testing.T) {
	data := readFile(t, "schema.json")
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	if got := schema["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %v", got)
	}
	if first, _, _ := strings.Cut(string(readFile(t, "tcp.yaml")), "\n"); first != "# yaml-language-server: $schema=schema.json" {
		t.Errorf("tcp.yaml's first line is %q", first)
	}

	// The closed objects, by JSON pointer, and the loader's field lists.
	want := map[string][]string{
		"":                     specFields,
		"/$defs/machine":       machineFields,
		"/$defs/param/oneOf/1": paramFields,
		"/$defs/var":           varFields,
		"/$defs/decl":          declFields,
		"/$defs/message":       append(slices.Clone(declFields), messageExtra...),
		"/$defs/field":         fieldFields,
		"/$defs/monitor":       monitorFields,
		"/$defs/handler":       handlerFields,
		"/$defs/timer":         append(slices.Clone(declFields), timerExtra...),
		"/$defs/state/oneOf/1": append(slices.Clone(declFields), stateExtra...),
		"/$defs/transition":    transitionFields,
		"/$defs/unhandled":     unhandledFields,
		"/$defs/check":         checkFields,
		"/$defs/peer/oneOf/1":  peerFields,
		"/$defs/network":       networkFields,
		"/$defs/time":          timeFields,
		"/$defs/goal":          goalFields,
	}
	found := map[string][]string{}
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["additionalProperties"] == false {
				props, _ := v["properties"].(map[string]any)
				var names []string
				for name := range props {
					names = append(names, name)
				}
				found[ptr] = names
			}
			for k, c := range v {
				walk(ptr+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(ptr+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("", schema)
	for ptr, fields := range want {
		got, ok := found[ptr]
		if !ok {
			t.Errorf("schema.json has no closed object at %q", ptr)
			continue
		}
		a, b := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(fields))
		if !slices.Equal(a, b) {
			t.Errorf("schema.json%s has properties %v; the loader accepts %v", ptr, a, b)
		}
	}
	for ptr := range found {
		if _, ok := want[ptr]; !ok {
			t.Errorf("schema.json%s is a closed object the test does not know", ptr)
		}
	}

	// Every $ref resolves.
	var refs func(v any)
	refs = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				name, ok := strings.CutPrefix(r, "#/$defs/")
				defs, _ := schema["$defs"].(map[string]any)
				if _, exists := defs[name]; !ok || !exists {
					t.Errorf("dangling $ref %q", r)
				}
			}
			for _, c := range v {
				refs(c)
			}
		case []any:
			for _, c := range v {
				refs(c)
			}
		}
	}
	refs(schema)
}
