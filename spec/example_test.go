package spec_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
)

const door = `machine: door
vars:
  tries: {type: int, min: 0, max: 3}
calls: [OPEN, CLOSE, LOCK]
states:
  CLOSED: {initial: true}
  OPENED: {}
  LOCKED: {}
transitions:
  - {from: CLOSED, on: OPEN, to: OPENED}
  - {from: OPENED, on: CLOSE, to: CLOSED}
  - {from: CLOSED, on: LOCK, if: tries < 3, to: LOCKED, set: {tries: tries + 1}}
  - {from: LOCKED, on: OPEN, error: locked}
`

func ExampleParse() {
	s, err := spec.Parse("door.yaml", []byte(door))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Name, "starts in", s.Initial.Name)
	for _, r := range s.Rows {
		fmt.Printf("%v: %s on %s", r.Pos, r.From[0].Name, r.On[0])
		if r.Guard != nil {
			fmt.Printf(" if %s", r.Guard)
		}
		fmt.Printf(" -> %s\n", r.Target(r.From[0]).Name)
	}
	// Output:
	// door starts in CLOSED
	// door.yaml:10:5: CLOSED on OPEN -> OPENED
	// door.yaml:11:5: OPENED on CLOSE -> CLOSED
	// door.yaml:12:5: CLOSED on LOCK if tries < 3 -> LOCKED
	// door.yaml:13:5: LOCKED on OPEN -> LOCKED
}

func ExampleParse_errors() {
	const bad = `machine: door
calls: [OPEN]
states:
  CLOSED: {initial: true}
transitions:
  - {from: CLOSED, on: OPEN, to: OPENED}
  - {from: CLOSED, on: KNOCK}
`
	_, err := spec.Parse("bad.yaml", []byte(bad))
	fmt.Println(err)
	fmt.Println(errors.Is(err, spec.ErrInvalid))
	var list spec.ErrorList
	if errors.As(err, &list) {
		fmt.Println(len(list), "errors; the first at line", list[0].Pos.Line)
	}
	// Output:
	// bad.yaml:6:34: unknown state "OPENED"
	// bad.yaml:7:24: unknown call "KNOCK"
	// true
	// 2 errors; the first at line 6
}

func ExampleTCP() {
	s, err := fsmgen.TCP(spec.WithParam("MSL", 30*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range s.Timers {
		fmt.Printf("timer %s: %s = %v\n", t.Name, t.AfterExpr, t.After)
	}
	fmt.Println(len(s.States), "states; default check:", s.Check("").Name)
	// Output:
	// timer retransmit: 1s = 1s
	// timer time_wait: 2*MSL = 1m0s
	// timer fin_wait_2: FIN_TIMEOUT = 1m0s
	// 11 states; default check: reliable
}

func ExampleStrict() {
	const src = `machine: m
calls: [GO, NEVER]
states:
  A: {initial: true}
transitions:
  - {from: A, on: GO}
`
	s, _ := spec.Parse("m.yaml", []byte(src))
	for _, w := range s.Warnings {
		fmt.Println("warning:", w)
	}
	_, err := spec.Parse("m.yaml", []byte(src), spec.Strict())
	fmt.Println("strict:", err)
	// Output:
	// warning: m.yaml:2:13: event NEVER is handled by no transition: it can never fire
	// strict: m.yaml:2:13: event NEVER is handled by no transition: it can never fire
}
