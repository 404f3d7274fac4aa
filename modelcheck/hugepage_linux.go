package modelcheck

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks the kernel to back a large table with transparent huge
// pages: visited-set probes are random, and with 4 KiB pages nearly every
// one also misses the TLB. It must run before the table is first touched.
func adviseHuge[T any](s []T) {
	if len(s) == 0 {
		return
	}
	var zero T
	n := uintptr(len(s)) * unsafe.Sizeof(zero)
	if n < 4<<20 {
		return
	}
	const huge = 2 << 20
	start := uintptr(unsafe.Pointer(&s[0]))
	lo := (start + huge - 1) &^ (huge - 1)
	hi := (start + n) &^ (huge - 1)
	if hi <= lo {
		return
	}
	// MADV_HUGEPAGE (14); failure only costs speed.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, 14)
}
