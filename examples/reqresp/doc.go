// Package reqresp is request/response with timeout and retry written as two
// machines of one spec (reqresp.yaml): a client and a server. Its tests
// model-check the spec with the expected verdicts and run the generated
// packages, client and server, against each other on a fake clock.
package reqresp

//go:generate go run ../../cmd/fsmgen generate --messages-only --pkg msg --o msg/msg.go reqresp.yaml
//go:generate go run ../../cmd/fsmgen generate --machine client --messages github.com/fsmgen/fsmgen/examples/reqresp/msg --pkg client --o client/client.go reqresp.yaml
//go:generate go run ../../cmd/fsmgen generate --machine server --messages github.com/fsmgen/fsmgen/examples/reqresp/msg --pkg server --o server/server.go reqresp.yaml
