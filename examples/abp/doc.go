// Package abp is the alternating-bit protocol as two machines of one spec
// (abp.yaml): data and acknowledgements carry a bit as a message field, and
// a monitor checks that the receiver delivers exactly what was sent, in
// order. Its test model-checks the spec with the expected verdicts.
package abp

//go:generate go run ../../cmd/fsmgen generate --messages-only --pkg msg --o msg/msg.go abp.yaml
//go:generate go run ../../cmd/fsmgen generate --machine sender --messages github.com/fsmgen/fsmgen/examples/abp/msg --pkg sender --o sender/sender.go abp.yaml
//go:generate go run ../../cmd/fsmgen generate --machine receiver --messages github.com/fsmgen/fsmgen/examples/abp/msg --pkg receiver --o receiver/receiver.go abp.yaml
