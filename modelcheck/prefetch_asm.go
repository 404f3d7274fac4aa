//go:build amd64 || arm64

package modelcheck

import "unsafe"

// prefetch asks the processor to start loading into cache, for every
// idx[i], element idx[i]>>shift of the array at base whose elements are
// size bytes long, without waiting for the data. A prefetch does not fault
// and is not ordered by the compare-and-swap of a shared insert, so the
// misses of the next few probes overlap the current one.
//
//go:noescape
func prefetch(base unsafe.Pointer, idx []uint64, shift, size uint)
