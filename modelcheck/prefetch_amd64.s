#include "textflag.h"

// func prefetchSlots(base *uint64, slots []uint64)
TEXT ·prefetchSlots(SB), NOSPLIT, $0-32
	MOVQ base+0(FP), AX
	MOVQ slots_base+8(FP), BX
	MOVQ slots_len+16(FP), CX
	TESTQ CX, CX
	JEQ done

loop:
	MOVQ (BX), DX
	PREFETCHT0 (AX)(DX*8)
	ADDQ $8, BX
	DECQ CX
	JNE loop

done:
	RET
