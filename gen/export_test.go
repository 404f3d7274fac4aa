package gen

// WithoutTable returns o for a Step that works each cell out from the rows
// on every call, as a spec too large for a table gets.
func WithoutTable(o GoOptions) GoOptions {
	o.noTable = true
	return o
}
