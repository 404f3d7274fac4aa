//go:build amd64 || arm64

package modelcheck

// prefetchSlots asks the processor to start loading base[j] into cache for
// every slots[i]>>shift, without waiting for the data. A prefetch does not
// fault and is not ordered by the compare-and-swap of a shared insert, so
// the misses of the next few probes overlap the current one.
//
//go:noescape
func prefetchSlots(base *uint64, slots []uint64, shift uint)

// prefetchIndex32 prefetches base[j] for every j in idx.
//
//go:noescape
func prefetchIndex32(base *uint32, idx []uint32)
