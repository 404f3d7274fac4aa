package fsm

import "strconv"

// Names are the names of the values of a generated integer type, as the
// spec writes them, for its String method.
type Names struct {
	typ   string
	names []string
}

// NewNames returns the names of the values 0, 1, ... of the type typ.
func NewNames(typ string, names ...string) Names { return Names{typ, names} }

// Of returns the name of value i, or "typ(i)" for a value without one.
func (n Names) Of(i int) string {
	if uint(i) < uint(len(n.names)) {
		return n.names[i]
	}
	return n.typ + "(" + strconv.Itoa(i) + ")"
}
