package modelcheck

import (
	"fmt"

	"github.com/fsmgen/fsmgen/spec"
)

// maxContents bounds how many distinct contents one inbox may have: the
// checker tabulates every operation on every content.
const maxContents = 1 << 20

// inbox is one channel compiled to an automaton over its possible contents.
// A content is identified by a dense id (0 = empty); every operation is a
// table lookup, so a system state stores an inbox as one small number: the
// rank of a multiset (unordered) or of a sequence (ordered).
//
// The automaton's alphabet is its kinds of message: the letters, or in a
// timed check's channel whose messages age, the letters at each age
// (kind = letter*ages + age, docs/semantics.md "Timed checks").
type inbox struct {
	ch      *spec.Channel
	kinds   int // letters × ages
	letters int
	ages    int // 1: messages do not age, or live a tick (their one age is 0)
	cap     int
	n       int     // number of contents
	length  []uint8 // [id]
	count   []uint8 // [id*kinds+k]
	add     []int32 // [id*kinds+k]: content after appending k; -1 when full
	put     []int32 // [id*letters+l]: content after sending letter l (at age 0); add itself when ages is 1
	remove  []int32 // unordered: [id*kinds+k], -1 when no k; ordered: [id*cap+i], -1 past the end
	dup     []int32 // unordered: [id*kinds+k]; ordered: [id*cap+i]; -1 when impossible
	head    []uint8 // ordered: [id] the first message's kind
	// aged, for a channel with a lifetime: [id] the content a tick later,
	// every age + 1; a message of the last age (Lifetime-1) is gone in a
	// lossy channel, and in a lossless one makes the entry -1 (the tick
	// waits for its delivery). nil without a lifetime.
	aged    []int32
	ordered bool
}

func binom(n, k int) int {
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
		if r > maxContents*4 {
			return r
		}
	}
	return r
}

// newInbox compiles channel ch over the given number of letters (at each
// of ch.Ages() ages).
func newInbox(ch *spec.Channel, letters int) (*inbox, error) {
	ages := ch.Ages()
	kinds := letters * ages
	b := &inbox{ch: ch, kinds: kinds, letters: letters, ages: ages, cap: ch.Capacity, ordered: ch.Order == spec.Ordered}
	if b.cap < 0 || kinds > 255 {
		return nil, fmt.Errorf("modelcheck: bad channel: capacity %d, %d message kinds", b.cap, kinds)
	}
	if kinds == 0 {
		// No messages: the inbox is always empty.
		b.n = 1
		b.length, b.head = make([]uint8, 1), make([]uint8, 1)
		b.remove, b.dup = make([]int32, max(b.cap, 1)), make([]int32, max(b.cap, 1))
		for i := range b.remove {
			b.remove[i], b.dup[i] = -1, -1
		}
		if ch.Lifetime > 0 {
			b.aged = []int32{0}
		}
		return b, nil
	}
	var err error
	if b.ordered {
		err = b.buildOrdered()
	} else {
		err = b.buildUnordered()
	}
	if err != nil {
		return nil, err
	}
	b.put = b.add
	if ages > 1 {
		b.put = make([]int32, b.n*letters)
		for id := range b.n {
			for l := range letters {
				b.put[id*letters+l] = b.add[id*kinds+l*ages]
			}
		}
	}
	return b, nil
}

// older is the kind k one tick later, or -1 when a message of kind k has
// the last age and would reach the channel's lifetime.
func (b *inbox) older(k int) int {
	if k%b.ages == b.ages-1 {
		return -1
	}
	return k + 1
}

// expires says what a tick does to a message of the last age: true when
// it is gone (a lossy channel), false when the tick must wait for its
// delivery (a lossless one).
func (b *inbox) expires() bool { return b.ch.Loss }

// letterCount is how many messages of letter lt content id holds, of any age.
func (b *inbox) letterCount(id, lt int) int {
	n := 0
	for k := lt * b.ages; k < (lt+1)*b.ages; k++ {
		n += int(b.count[id*b.kinds+k])
	}
	return n
}

// buildUnordered enumerates the multisets of at most cap messages over kinds kinds.
func (b *inbox) buildUnordered() error {
	if n := binom(b.cap+b.kinds, b.kinds); n > maxContents {
		return fmt.Errorf("modelcheck: an unordered inbox of capacity %d over %d message kinds has %d contents: at most %d are supported", b.cap, b.kinds, n, maxContents)
	}
	var contents [][]uint8
	ids := map[string]int32{}
	cur := make([]uint8, b.kinds)
	var rec func(i, left int)
	rec = func(i, left int) {
		if i == b.kinds {
			ids[string(cur)] = int32(len(contents))
			contents = append(contents, append([]uint8(nil), cur...))
			return
		}
		for c := 0; c <= left; c++ {
			cur[i] = uint8(c)
			rec(i+1, left-c)
		}
		cur[i] = 0
	}
	rec(0, b.cap)
	// Make the empty content id 0.
	e := ids[string(make([]uint8, b.kinds))]
	contents[0], contents[e] = contents[e], contents[0]
	ids[string(contents[0])], ids[string(contents[e])] = 0, e
	n, k := len(contents), b.kinds
	b.n = n
	b.length = make([]uint8, n)
	b.count = make([]uint8, n*k)
	b.add = make([]int32, n*k)
	b.remove = make([]int32, n*k)
	b.dup = make([]int32, n*k)
	if b.ch.Lifetime > 0 {
		b.aged = make([]int32, n)
		older := make([]uint8, k)
		for id, c := range contents {
			clear(older)
			waits := false
			for kind, x := range c {
				if o := b.older(kind); o >= 0 {
					older[o] = x
				} else {
					waits = waits || x > 0 && !b.expires()
				}
			}
			b.aged[id] = ids[string(older)]
			if waits {
				b.aged[id] = -1
			}
		}
	}
	for id, c := range contents {
		total := 0
		for _, x := range c {
			total += int(x)
		}
		b.length[id] = uint8(total)
		copy(b.count[id*k:], c)
		for m := range k {
			b.add[id*k+m], b.remove[id*k+m], b.dup[id*k+m] = -1, -1, -1
			if total < b.cap {
				c[m]++
				b.add[id*k+m] = ids[string(c)]
				c[m]--
			}
			if c[m] > 0 {
				c[m]--
				b.remove[id*k+m] = ids[string(c)]
				c[m]++
				b.dup[id*k+m] = b.add[id*k+m]
			}
		}
	}
	return nil
}

// buildOrdered numbers the sequences of at most cap messages: all sequences
// of length l come after the shorter ones, in base-kinds order.
func (b *inbox) buildOrdered() error {
	k, c := b.kinds, b.cap
	offset := make([]int, c+2) // offset[l]: id of the first sequence of length l
	total := 0
	for l := 0; l <= c; l++ {
		offset[l] = total
		p := 1
		for range l {
			p *= max(k, 1)
			if p > maxContents {
				break
			}
		}
		total += p
		if total > maxContents {
			return fmt.Errorf("modelcheck: an ordered inbox of capacity %d over %d message kinds has more than %d contents: use a smaller capacity or an unordered inbox", c, k, maxContents)
		}
	}
	offset[c+1] = total
	n := total
	b.n = n
	b.length = make([]uint8, n)
	b.count = make([]uint8, n*k)
	b.add = make([]int32, n*k)
	b.remove = make([]int32, n*max(c, 1))
	b.dup = make([]int32, n*max(c, 1))
	b.head = make([]uint8, n)
	if b.ch.Lifetime > 0 {
		b.aged = make([]int32, n)
	}
	enc := func(seq []uint8) int32 {
		v := 0
		for _, m := range seq {
			v = v*k + int(m)
		}
		return int32(offset[len(seq)] + v)
	}
	seq := make([]uint8, 0, c+1)
	l := 0
	for id := range n {
		for id >= offset[l+1] {
			l++
		}
		v := id - offset[l]
		seq = seq[:l]
		for i := l - 1; i >= 0; i-- {
			seq[i] = uint8(v % k)
			v /= k
		}
		b.length[id] = uint8(l)
		for _, m := range seq {
			b.count[id*k+int(m)]++
		}
		if l > 0 {
			b.head[id] = seq[0]
		}
		if b.aged != nil {
			older, waits := make([]uint8, 0, l), false
			for _, m := range seq {
				if o := b.older(int(m)); o >= 0 {
					older = append(older, uint8(o))
				} else {
					waits = waits || !b.expires()
				}
			}
			b.aged[id] = enc(older)
			if waits {
				b.aged[id] = -1
			}
		}
		for m := range k {
			b.add[id*k+m] = -1
			if l < c {
				b.add[id*k+m] = enc(append(seq, uint8(m)))
			}
		}
		for i := range c {
			b.remove[id*c+i], b.dup[id*c+i] = -1, -1
			if i >= l {
				continue
			}
			rest := append(append([]uint8(nil), seq[:i]...), seq[i+1:]...)
			b.remove[id*c+i] = enc(rest)
			if l < c {
				d := append(append(append([]uint8(nil), seq[:i+1]...), seq[i]), seq[i+1:]...)
				b.dup[id*c+i] = enc(d)
			}
		}
	}
	return nil
}

// contents lists the messages of content id: in order for an ordered
// inbox, grouped by kind for an unordered one.
func (b *inbox) contents(id int) []int {
	var out []int
	if b.ordered {
		for b.length[id] > 0 {
			out = append(out, int(b.head[id]))
			id = int(b.remove[id*b.cap])
		}
		return out
	}
	for m := range b.kinds {
		for range b.count[id*b.kinds+m] {
			out = append(out, m)
		}
	}
	return out
}
