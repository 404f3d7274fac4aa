package fsmtest

import (
	"fmt"
	"reflect"
	"unsafe"
)

// InRegisters reports why the Go compiler cannot keep values of type t in
// registers, or "" when it can: a struct with more than four fields (at any
// level), an array of more than one element, or a value larger than four
// words. Such a value lives in memory, and copying one that was written
// field by field costs a store-forwarding stall, so a generated Snapshot
// must be none of these for Step to stay a few cycles.
func InRegisters(t reflect.Type) string {
	if w := unsafe.Sizeof(uintptr(0)); t.Size() > 4*w {
		return fmt.Sprintf("%v is %d bytes, more than four words", t, t.Size())
	}
	return ssaShape(t)
}

func ssaShape(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct:
		if t.NumField() > 4 {
			return fmt.Sprintf("%v has %d fields, more than four", t, t.NumField())
		}
		for i := range t.NumField() {
			if why := ssaShape(t.Field(i).Type); why != "" {
				return why
			}
		}
	case reflect.Array:
		if t.Len() > 1 {
			return fmt.Sprintf("%v is an array of %d elements", t, t.Len())
		}
		return ssaShape(t.Elem())
	}
	return ""
}
