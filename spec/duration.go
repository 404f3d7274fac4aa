package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// durationError is a problem in a duration expression at column offset col.
type durationError struct {
	col int
	msg string
}

// evalDuration evaluates a timer duration such as "2*MSL", "1s" or
// "MSL/2 + 500ms": durations and params combined with + - * / and
// parentheses, where * and / take a plain number on one side.
func evalDuration(src string, params []*Param) (time.Duration, *durationError) {
	p := &durParser{src: src, params: params}
	v, err := p.sum()
	if err == nil {
		p.space()
		if p.i < len(p.src) {
			err = p.fail("unexpected %q", p.src[p.i:])
		}
	}
	if err != nil {
		err.msg = fmt.Sprintf("invalid duration %q: %s", src, err.msg)
		return 0, err
	}
	if !v.dur {
		return 0, &durationError{0, fmt.Sprintf("duration %q has no unit: write 1s, 2m or a param such as MSL", src)}
	}
	// Written so that NaN (Inf-Inf) fails too; a positive value below 1ns
	// would truncate to a zero duration.
	if !(v.x >= 1 && v.x < float64(math.MaxInt64)) { // float64(MaxInt64) is 2^63, itself out of range
		return 0, &durationError{0, fmt.Sprintf("duration %q must be positive and finite", src)}
	}
	return time.Duration(v.x), nil
}

type durVal struct {
	x   float64 // nanoseconds when dur, else a plain number
	dur bool
}

type durParser struct {
	src    string
	i      int
	params []*Param
}

func (p *durParser) fail(format string, args ...any) *durationError {
	return &durationError{p.i, fmt.Sprintf(format, args...)}
}

func (p *durParser) space() {
	for p.i < len(p.src) && (p.src[p.i] == ' ' || p.src[p.i] == '\t') {
		p.i++
	}
}

func (p *durParser) sum() (durVal, *durationError) {
	return p.chain("+-", p.product, func(op byte, v, w durVal) (durVal, string) {
		if v.dur != w.dur {
			return v, "cannot add a duration and a plain number"
		}
		if op == '+' {
			v.x += w.x
		} else {
			v.x -= w.x
		}
		return v, ""
	})
}

func (p *durParser) product() (durVal, *durationError) {
	return p.chain("*/", p.factor, func(op byte, v, w durVal) (durVal, string) {
		switch {
		case op == '*' && v.dur && w.dur:
			return v, "cannot multiply two durations"
		case op == '*':
			return durVal{v.x * w.x, v.dur || w.dur}, ""
		case w.dur && !v.dur:
			return v, "cannot divide a number by a duration"
		case w.x == 0:
			return v, "division by zero"
		}
		return durVal{v.x / w.x, v.dur && !w.dur}, ""
	})
}

// chain parses operand, then any number of (op operand) with op one of
// ops, left to right, combining the values with apply; a message from
// apply fails the parse there.
func (p *durParser) chain(ops string, operand func() (durVal, *durationError), apply func(op byte, v, w durVal) (durVal, string)) (durVal, *durationError) {
	v, err := operand()
	for err == nil {
		p.space()
		if p.i >= len(p.src) || strings.IndexByte(ops, p.src[p.i]) < 0 {
			break
		}
		op := p.src[p.i]
		p.i++
		var w durVal
		if w, err = operand(); err != nil {
			break
		}
		var msg string
		if v, msg = apply(op, v, w); msg != "" {
			return v, p.fail("%s", msg)
		}
	}
	return v, err
}

func (p *durParser) factor() (durVal, *durationError) {
	p.space()
	if p.i >= len(p.src) {
		return durVal{}, p.fail("expected a duration, a number or a param")
	}
	c := p.src[p.i]
	switch {
	case c == '(':
		p.i++
		v, err := p.sum()
		if err != nil {
			return v, err
		}
		p.space()
		if p.i >= len(p.src) || p.src[p.i] != ')' {
			return v, p.fail("missing )")
		}
		p.i++
		return v, nil
	case c >= '0' && c <= '9' || c == '.':
		start := p.i
		for p.i < len(p.src) && (isDigit(p.src[p.i]) || p.src[p.i] == '.') {
			p.i++
		}
		unitStart := p.i
		for p.i < len(p.src) && isLetter(p.src[p.i]) {
			p.i++
			// A compound duration such as 1m30s continues with more digits.
			if p.i < len(p.src) && isDigit(p.src[p.i]) {
				for p.i < len(p.src) && (isDigit(p.src[p.i]) || p.src[p.i] == '.') {
					p.i++
				}
			}
		}
		if unitStart == p.i {
			x, err := strconv.ParseFloat(p.src[start:p.i], 64)
			if err != nil {
				p.i = start
				return durVal{}, p.fail("bad number %q", p.src[start:unitStart])
			}
			return durVal{x: x}, nil
		}
		d, err := time.ParseDuration(p.src[start:p.i])
		if err != nil {
			p.i = start
			return durVal{}, p.fail("bad duration: expected a number with a unit such as 500ms, 1s, 2m or 1h")
		}
		return durVal{x: float64(d), dur: true}, nil
	case isLetter(c):
		start := p.i
		for p.i < len(p.src) && (isLetter(p.src[p.i]) || isDigit(p.src[p.i])) {
			p.i++
		}
		name := p.src[start:p.i]
		for _, pr := range p.params {
			if pr.Name == name {
				return durVal{x: float64(pr.Value), dur: true}, nil
			}
		}
		p.i = start
		return durVal{}, p.fail("unknown param %q", name)
	}
	return durVal{}, p.fail("unexpected %q", string(c))
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
