//go:build !amd64 && !arm64

package modelcheck

// prefetchSlots is a no-op where no prefetch instruction is wired up.
func prefetchSlots(base *uint64, slots []uint64, shift uint) {}

// prefetchIndex32 is a no-op where no prefetch instruction is wired up.
func prefetchIndex32(base *uint32, idx []uint32) {}
