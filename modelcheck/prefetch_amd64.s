#include "textflag.h"

// func prefetchSlots(base *uint64, slots []uint64, shift uint)
TEXT ·prefetchSlots(SB), NOSPLIT, $0-40
	MOVQ base+0(FP), AX
	MOVQ slots_base+8(FP), BX
	MOVQ slots_len+16(FP), DI
	MOVQ shift+32(FP), CX
	TESTQ DI, DI
	JEQ done

loop:
	MOVQ (BX), DX
	SHRQ CX, DX
	PREFETCHT0 (AX)(DX*8)
	ADDQ $8, BX
	DECQ DI
	JNE loop

done:
	RET

// func prefetchIndex32(base *uint32, idx []uint32)
TEXT ·prefetchIndex32(SB), NOSPLIT, $0-32
	MOVQ base+0(FP), AX
	MOVQ idx_base+8(FP), BX
	MOVQ idx_len+16(FP), DI
	TESTQ DI, DI
	JEQ done32

loop32:
	MOVLQZX (BX), DX
	PREFETCHT0 (AX)(DX*4)
	ADDQ $4, BX
	DECQ DI
	JNE loop32

done32:
	RET
