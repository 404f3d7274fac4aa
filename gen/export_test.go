package gen

// SetMaxCells sets the largest table Step may use and returns a function
// that restores the old limit.
func SetMaxCells(n int) (restore func()) {
	old := maxCells
	maxCells = n
	return func() { maxCells = old }
}
