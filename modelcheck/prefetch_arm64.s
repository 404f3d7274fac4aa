#include "textflag.h"

// func prefetchSlots(base *uint64, slots []uint64, shift uint)
TEXT ·prefetchSlots(SB), NOSPLIT, $0-40
	MOVD base+0(FP), R0
	MOVD slots_base+8(FP), R1
	MOVD slots_len+16(FP), R2
	MOVD shift+32(FP), R5
	CBZ R2, done

loop:
	MOVD.P 8(R1), R3
	LSR R5, R3, R3
	ADD R3<<3, R0, R4
	PRFM (R4), PLDL1KEEP
	SUB $1, R2, R2
	CBNZ R2, loop

done:
	RET

// func prefetchIndex32(base *uint32, idx []uint32)
TEXT ·prefetchIndex32(SB), NOSPLIT, $0-32
	MOVD base+0(FP), R0
	MOVD idx_base+8(FP), R1
	MOVD idx_len+16(FP), R2
	CBZ R2, done32

loop32:
	MOVWU.P 4(R1), R3
	ADD R3<<2, R0, R4
	PRFM (R4), PLDL1KEEP
	SUB $1, R2, R2
	CBNZ R2, loop32

done32:
	RET
