package spec

import "fmt"

// The actions of a check: the system as the model checker explores it and
// the Promela and TLA+ renderings write it, defined once (docs/semantics.md,
// "Two peers and a network").

// ActionKind is what an action of a check does.
type ActionKind int

const (
	CallAction      ActionKind = iota // a peer makes a call
	DeliverAction                     // a message is taken from a peer's inbox and received
	TimeoutAction                     // a peer's armed timer fires
	LoseAction                        // the network loses a message (never fair)
	DuplicateAction                   // the network duplicates a message (never fair)
	TickAction                        // time passes by one tick (timed checks only)
)

func (k ActionKind) String() string {
	return [...]string{"call", "deliver", "timeout", "lose", "duplicate", "tick"}[k]
}

// Action is one action schema of a check: the unit of transitions,
// coverage and fairness.
type Action struct {
	Kind ActionKind
	Peer *Peer // nil for the tick
	// Channel is the channel a delivery, loss or duplication acts on (one
	// of those into Peer).
	Channel *Channel
	// Call is the call and its budget, for CallAction.
	Call *CallBudget
	// Letter is the message delivered, lost or duplicated in an unordered
	// inbox; nil in an ordered one, where a delivery takes the head and a
	// loss or duplication names a position.
	Letter *Letter
	// Age is the age (in ticks) of the message delivered, lost or
	// duplicated in an unordered channel whose messages age
	// (Channel.Ages() > 1); 0 for every other action.
	Age int
	// Slot is the position a loss or duplication in an ordered inbox acts
	// on (0 is the head); -1 otherwise.
	Slot  int
	Timer *Timer // TimeoutAction
	// Input is what the peer applies: the call, the receipt of Letter, the
	// expiry; nil for a delivery from an ordered inbox (the head decides)
	// and for losses and duplications.
	Input *Input
	// Reply is the channel a delivery's replies go into: from Peer back
	// to the sender of the message delivered; nil for other actions.
	Reply *Channel
	// Class names the action's fairness class: call(P, C), deliver(P, M)
	// (every age of a letter alike) or deliver(P) (ordered), timeout(P, T),
	// tick; "" for losses and duplications, which are never fair.
	Class string
}

// Actions lists c's actions in their fixed order: every peer's calls, then
// every peer's deliveries, then every peer's timeouts, then the tick (in
// a timed check), then per peer the losses and the duplications its inbox
// allows. In an unordered channel whose messages age, deliveries, losses
// and duplications are one action per letter and age, ages varying
// fastest. A channel whose sender never sends to its receiver (sends_to)
// has no actions.
func (c *Check) Actions() []*Action {
	var out []*Action
	add := func(a *Action) { out = append(out, a) }
	for _, p := range c.Peers {
		for _, cb := range p.Calls {
			add(&Action{Kind: CallAction, Peer: p, Call: cb, Slot: -1, Input: p.Machine.EventInput(p.Machine.CallEvent(cb.Call)),
				Class: fmt.Sprintf("call(%s, %s)", p.Name, cb.Call.Name)})
		}
	}
	for i, p := range c.Peers {
		for _, ch := range c.Into(i) {
			if c.Unused(ch) {
				continue // never holds a message: no action of its is ever enabled
			}
			at, back := c.ChannelName(ch), c.Between(ch.To, ch.From)
			if ch.Order == Ordered {
				add(&Action{Kind: DeliverAction, Peer: p, Channel: ch, Slot: -1, Reply: back, Class: fmt.Sprintf("deliver(%s)", at)})
				continue
			}
			for _, lt := range p.Machine.Letters {
				for age := range ch.Ages() {
					add(&Action{Kind: DeliverAction, Peer: p, Channel: ch, Letter: lt, Age: age, Slot: -1, Input: p.Machine.LetterInput(lt), Reply: back,
						Class: fmt.Sprintf("deliver(%s, %s)", at, lt)})
				}
			}
		}
	}
	for _, p := range c.Peers {
		for _, t := range p.Machine.Timers {
			add(&Action{Kind: TimeoutAction, Peer: p, Timer: t, Slot: -1, Input: p.Machine.EventInput(p.Machine.TimerEvent(t)),
				Class: fmt.Sprintf("timeout(%s, %s)", p.Name, t.Name)})
		}
	}
	if c.Time != nil {
		add(&Action{Kind: TickAction, Slot: -1, Class: "tick"})
	}
	for i, p := range c.Peers {
		for _, ch := range c.Into(i) {
			if c.Unused(ch) {
				continue // never holds a message: no action of its is ever enabled
			}
			for _, k := range []ActionKind{LoseAction, DuplicateAction} {
				if k == LoseAction && !ch.Loss || k == DuplicateAction && !ch.Duplicate {
					continue
				}
				if ch.Order == Ordered {
					for slot := range ch.Capacity {
						add(&Action{Kind: k, Peer: p, Channel: ch, Slot: slot})
					}
					continue
				}
				for _, lt := range p.Machine.Letters {
					for age := range ch.Ages() {
						add(&Action{Kind: k, Peer: p, Channel: ch, Letter: lt, Age: age, Slot: -1})
					}
				}
			}
		}
	}
	return out
}

// Outbound lists the channels peer p's sends go into, one per peer of its
// sends_to, in order (replies go into the channel back to the sender).
func (c *Check) Outbound(p *Peer) []*Channel {
	var out []*Channel
	for _, to := range p.SendsTo {
		out = append(out, c.Between(p.Index, to.Index))
	}
	return out
}

// ChannelName names channel ch in messages and traces: the receiving
// peer's name when the check has two peers (each receives on one
// channel), else "TO from FROM".
func (c *Check) ChannelName(ch *Channel) string {
	if len(c.Peers) == 2 {
		return c.Peers[ch.To].Name
	}
	return c.Peers[ch.To].Name + " from " + c.Peers[ch.From].Name
}
