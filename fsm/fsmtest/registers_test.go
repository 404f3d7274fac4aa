package fsmtest

import (
	"reflect"
	"testing"
)

func TestInRegisters(t *testing.T) {
	type vars struct{ A, B, C bool }
	type nested struct {
		State uint8
		vars
		Timers uint8
	}
	type flat struct {
		State   uint8
		A, B, C bool
		Timers  uint8
	}
	type wide struct{ A, B, C, D, E int8 }
	for _, c := range []struct {
		t  reflect.Type
		ok bool
	}{
		{reflect.TypeFor[nested](), true},
		{reflect.TypeFor[struct{ A, B, C, D int64 }](), true},
		{reflect.TypeFor[flat](), false},
		{reflect.TypeFor[struct{ W wide }](), false},
		{reflect.TypeFor[struct{ A, B, C, D, E int64 }](), false},
		{reflect.TypeFor[struct{ A [2]uint8 }](), false},
		{reflect.TypeFor[struct{ A, B [1]uint64 }](), true},
		{reflect.TypeFor[struct {
			A, B, C int64
			D       [3]uint64
		}](), false},
	} {
		if why := InRegisters(c.t); (why == "") != c.ok {
			t.Errorf("%v: %q, want in registers %v", c.t, why, c.ok)
		}
	}
}
