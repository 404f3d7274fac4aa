package spec

import "testing"

func TestTagValue(t *testing.T) {
	for _, tc := range []struct {
		line     string
		col      int
		key, val string
	}{
		{"  - {from: A, on: GO, to: B, if: !retransmit}", 34, "if", "!retransmit"},
		{"  - {from: A, if: !a.retransmit && b, on: GO}", 19, "if", "!a.retransmit && b"},
		{`  - {doc: "x: !y", if: !z}`, 24, "if", "!z"},
		{"  - {from: Ä, if: !z}", 19, "if", "!z"},
		{"    if: !x", 9, "if", "!x"},
		{"  - {if: a != b, on: GO}", 0, "", ""},
		{"  - {if: !!str x}", 0, "", ""},
		{"  - {on: GO} # if: !x", 0, "", ""},
		{`  - {doc: 'if: !x'}`, 0, "", ""},
	} {
		col, key, val, ok := tagValue(tc.line)
		if ok != (tc.col > 0) || col != tc.col || key != tc.key || val != tc.val {
			t.Errorf("tagValue(%q) = %d, %q, %q, %v; want %d, %q, %q", tc.line, col, key, val, ok, tc.col, tc.key, tc.val)
		}
	}
}
