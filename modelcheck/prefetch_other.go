//go:build !amd64 && !arm64

package modelcheck

import "unsafe"

// prefetch is a no-op where no prefetch instruction is wired up.
func prefetch(base unsafe.Pointer, idx []uint64, shift, size uint) {}
