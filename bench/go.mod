module github.com/fsmgen/fsmgen/bench

go 1.26.0

replace github.com/fsmgen/fsmgen => ../

require (
	github.com/fsmgen/fsmgen v0.0.0-00010101000000-000000000000
	github.com/looplab/fsm v1.0.3
	github.com/qmuntal/stateless v1.7.2
)

require gopkg.in/yaml.v3 v3.0.1 // indirect
