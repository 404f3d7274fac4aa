#include "textflag.h"

// func prefetch(base unsafe.Pointer, idx []uint64, shift, size uint)
TEXT ·prefetch(SB), NOSPLIT, $0-48
	MOVD base+0(FP), R0
	MOVD idx_base+8(FP), R1
	MOVD idx_len+16(FP), R2
	MOVD shift+32(FP), R5
	MOVD size+40(FP), R6
	CBZ R2, done

loop:
	MOVD.P 8(R1), R3
	LSR R5, R3, R3
	MUL R6, R3, R3
	ADD R3, R0, R4
	PRFM (R4), PLDL1KEEP
	SUB $1, R2, R2
	CBNZ R2, loop

done:
	RET
