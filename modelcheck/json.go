package modelcheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// typedValue is a variable's value as JSON has it: a bool, a number or
// the enum value's name.
func typedValue(x *spec.Var, val int) any {
	switch x.Kind {
	case spec.Bool:
		return val != 0
	case spec.Int:
		return val
	}
	return x.Format(val)
}

// peerStateJSON is PeerState as JSON has it.
type peerStateJSON struct {
	Name      string         `json:"name"`
	State     string         `json:"state"`
	Vars      map[string]any `json:"vars,omitempty"`
	Timers    []string       `json:"timers,omitempty"`
	Remaining map[string]int `json:"remaining,omitempty"`
	Calls     map[string]int `json:"calls_left,omitempty"`
}

// MarshalJSON writes the variables typed: booleans and numbers as such.
func (p PeerState) MarshalJSON() ([]byte, error) {
	vars := p.values
	if vars == nil && p.Vars != nil {
		vars = map[string]any{}
		for k, v := range p.Vars {
			vars[k] = typedText(v)
		}
	}
	return json.Marshal(peerStateJSON{Name: p.Name, State: p.State, Vars: vars, Timers: p.Timers, Remaining: p.Remaining, Calls: p.Calls})
}

// UnmarshalJSON reads what MarshalJSON writes (and variables as strings).
func (p *PeerState) UnmarshalJSON(data []byte) error {
	var j peerStateJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*p = PeerState{Name: j.Name, State: j.State, Timers: j.Timers, Remaining: j.Remaining, Calls: j.Calls}
	if j.Vars != nil {
		p.Vars, p.values = map[string]string{}, map[string]any{}
		for k, v := range j.Vars {
			switch v := v.(type) {
			case float64:
				p.Vars[k], p.values[k] = fmt.Sprint(int(v)), int(v)
			default:
				p.Vars[k], p.values[k] = fmt.Sprint(v), v
			}
		}
	}
	return nil
}

// MarshalJSON writes the step with its set effects typed, as a mapping
// from variable to new value.
func (st Step) MarshalJSON() ([]byte, error) {
	type plain Step
	set := st.setValues
	if set == nil && len(st.Set) > 0 {
		set = map[string]any{}
		for _, a := range st.Set {
			k, v, _ := strings.Cut(a, "=")
			set[k] = typedText(v)
		}
	}
	return json.Marshal(struct {
		plain
		Set map[string]any `json:"set,omitempty"`
	}{plain(st), set})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (st *Step) UnmarshalJSON(data []byte) error {
	type plain Step
	var j struct {
		plain
		Set map[string]any `json:"set,omitempty"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*st = Step(j.plain)
	st.Set, st.setValues = nil, nil
	for _, k := range slices.Sorted(maps.Keys(j.Set)) {
		v := j.Set[k]
		if f, ok := v.(float64); ok {
			v = int(f)
		}
		if st.setValues == nil {
			st.setValues = map[string]any{}
		}
		st.setValues[k] = v
		st.Set = append(st.Set, fmt.Sprintf("%s=%v", k, v))
	}
	return nil
}

// typedText reads a value in spec syntax as JSON types it.
func typedText(v string) any {
	switch n, err := strconv.Atoi(v); {
	case err == nil:
		return n
	case v == "true" || v == "false":
		return v == "true"
	}
	return v
}

// MarshalJSON writes the monitor's variables typed, as PeerState does.
func (ms MonitorState) MarshalJSON() ([]byte, error) {
	vars := map[string]any{}
	for k, v := range ms.Vars {
		vars[k] = typedText(v)
	}
	return json.Marshal(struct {
		Name string         `json:"name"`
		Vars map[string]any `json:"vars"`
	}{ms.Name, vars})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (ms *MonitorState) UnmarshalJSON(data []byte) error {
	var j struct {
		Name string         `json:"name"`
		Vars map[string]any `json:"vars"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*ms = MonitorState{Name: j.Name, Vars: map[string]string{}}
	for k, v := range j.Vars {
		if f, ok := v.(float64); ok {
			v = int(f)
		}
		ms.Vars[k] = fmt.Sprint(v)
	}
	return nil
}
