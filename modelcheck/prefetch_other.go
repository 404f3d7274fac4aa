//go:build !amd64 && !arm64

package modelcheck

// prefetchSlots is a no-op where no prefetch instruction is wired up.
func prefetchSlots(base *uint64, slots []uint64) {}
