package spec

// The fields each kind of mapping in a spec accepts; any other key is an
// error. schema.json lists the same (a test keeps them in step).
var (
	specFields       = []string{"machine", "doc", "params", "vars", "messages", "timers", "calls", "states", "transitions", "unhandled", "checks"}
	paramFields      = []string{"value", "doc"}
	varFields        = []string{"type", "values", "min", "max", "init", "doc"}
	declFields       = []string{"doc"}     // a message or a call
	timerExtra       = []string{"after"}   // beyond declFields
	stateExtra       = []string{"initial"} // beyond declFields
	transitionFields = []string{"from", "except", "on", "if", "to", "send", "start", "stop", "restart", "set", "error", "doc"}
	unhandledFields  = []string{"messages", "calls"}
	checkFields      = []string{"extends", "doc", "default", "peers", "network", "timeouts", "terminal", "invariants", "eventually"}
	peerFields       = []string{"calls", "inbox"}
	networkFields    = []string{"order", "capacity", "full", "loss", "duplicate"}
	goalFields       = []string{"goal", "fairness"}
)
