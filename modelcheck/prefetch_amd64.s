#include "textflag.h"

// func prefetch(base unsafe.Pointer, idx []uint64, shift, size uint)
TEXT ·prefetch(SB), NOSPLIT, $0-48
	MOVQ base+0(FP), AX
	MOVQ idx_base+8(FP), BX
	MOVQ idx_len+16(FP), DI
	MOVQ shift+32(FP), CX
	MOVQ size+40(FP), SI
	TESTQ DI, DI
	JEQ done

loop:
	MOVQ (BX), DX
	SHRQ CX, DX
	IMULQ SI, DX
	PREFETCHT0 (AX)(DX*1)
	ADDQ $8, BX
	DECQ DI
	JNE loop

done:
	RET
