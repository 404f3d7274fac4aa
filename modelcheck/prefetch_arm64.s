#include "textflag.h"

// func prefetchSlots(base *uint64, slots []uint64)
TEXT ·prefetchSlots(SB), NOSPLIT, $0-32
	MOVD base+0(FP), R0
	MOVD slots_base+8(FP), R1
	MOVD slots_len+16(FP), R2
	CBZ R2, done

loop:
	MOVD.P 8(R1), R3
	ADD R3<<3, R0, R4
	PRFM (R4), PLDL1KEEP
	SUB $1, R2, R2
	CBNZ R2, loop

done:
	RET
