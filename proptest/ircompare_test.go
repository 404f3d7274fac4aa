package proptest

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/fsmgen/fsmgen/spec"
)

var (
	posType    = reflect.TypeOf(spec.Pos{})
	errPtrType = reflect.TypeOf([]*spec.Error(nil))
)

// irDiff compares two IR values structurally, ignoring positions and the
// Source text of properties and terminal conditions (Format writes
// expressions in canonical form),
// and returns the first difference as a path, or "".
func irDiff(a, b any) string {
	return diffValue(reflect.ValueOf(a), reflect.ValueOf(b), "spec", map[[2]uintptr]bool{})
}

func diffValue(a, b reflect.Value, path string, seen map[[2]uintptr]bool) string {
	if a.IsValid() != b.IsValid() {
		return path + ": one side is missing"
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: type %s vs %s", path, a.Type(), b.Type())
	}
	if a.Type() == posType {
		return ""
	}
	if a.Type() == errPtrType { // warnings: compare as sets of messages
		return diffWarnings(a.Interface().([]*spec.Error), b.Interface().([]*spec.Error), path)
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil vs non-nil"
			}
			return ""
		}
		if a.Kind() == reflect.Pointer {
			k := [2]uintptr{a.Pointer(), b.Pointer()}
			if seen[k] {
				return ""
			}
			seen[k] = true
		}
		return diffValue(a.Elem(), b.Elem(), path, seen)
	case reflect.Struct:
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if (f.Name == "Source" || f.Name == "TerminalSource") && f.Type.Kind() == reflect.String {
				continue
			}
			if d := diffValue(a.Field(i), b.Field(i), path+"."+f.Name, seen); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d vs %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := diffValue(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), seen); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d vs %d entries", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			if d := diffValue(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), seen); d != "" {
				return d
			}
		}
		return ""
	case reflect.Func, reflect.Chan:
		return ""
	}
	if !a.CanInterface() {
		// Unexported scalar fields: compare through their string forms.
		if fmt.Sprint(a) != fmt.Sprint(b) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%s: %#v vs %#v", path, a.Interface(), b.Interface())
	}
	return ""
}

func diffWarnings(a, b []*spec.Error, path string) string {
	msgs := func(es []*spec.Error) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Msg)
		}
		sort.Strings(out)
		return out
	}
	if ma, mb := msgs(a), msgs(b); !reflect.DeepEqual(ma, mb) {
		return fmt.Sprintf("%s: %q vs %q", path, ma, mb)
	}
	return ""
}
