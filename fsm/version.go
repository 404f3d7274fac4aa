package fsm

// The version guard between generated code and this runtime, as
// protoc-gen-go keeps one with its protoimpl: a generated file declares
//
//	const _ = fsm.EnforceVersion(N - fsm.MinVersion)
//	const _ = fsm.EnforceVersion(fsm.MaxVersion - N)
//
// with N the GenVersion of the fsmgen that wrote it. Against a runtime that
// does not support N, one of the constants is negative and the file does not
// compile: regenerate it with the fsmgen of the module that provides fsm.
const (
	// GenVersion is the version fsmgen generates code for.
	GenVersion = 2
	// MinVersion is the oldest generated version this runtime supports.
	MinVersion = 2
	// MaxVersion is the newest generated version this runtime supports.
	MaxVersion = GenVersion
)

// EnforceVersion is the type of the version guard's constants: it holds no
// negative value, so a guard whose version is out of range does not compile.
type EnforceVersion uint
