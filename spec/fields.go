package spec

// The fields each kind of mapping in a spec accepts; any other key is an
// error. schema.json lists the same (a test keeps them in step).
var (
	specFields       = []string{"machine", "machines", "doc", "params", "vars", "messages", "timers", "calls", "states", "transitions", "unhandled", "checks"}
	machineFields    = []string{"doc", "vars", "timers", "calls", "states", "transitions", "unhandled"}
	paramFields      = []string{"value", "doc"}
	varFields        = []string{"type", "values", "min", "max", "init", "doc"}
	declFields       = []string{"doc"}    // a message or a call
	messageExtra     = []string{"fields"} // beyond declFields
	fieldFields      = []string{"type", "values", "min", "max", "doc"}
	timerExtra       = []string{"after"}   // beyond declFields
	stateExtra       = []string{"initial"} // beyond declFields
	transitionFields = []string{"from", "except", "on", "if", "to", "send", "reply", "start", "stop", "restart", "set", "error", "doc"}
	unhandledFields  = []string{"messages", "calls"}
	checkFields      = []string{"extends", "doc", "default", "params", "time", "peers", "network", "channels", "timeouts", "terminal", "invariants", "eventually", "monitors"}
	timeFields       = []string{"tick", "early"}
	monitorFields    = []string{"doc", "vars", "on", "invariants", "eventually"}
	handlerFields    = []string{"call", "send", "recv", "enter", "if", "set", "doc"}
	peerFields       = []string{"machine", "calls", "inbox", "sends_to"}
	networkFields    = []string{"order", "capacity", "full", "loss", "duplicate", "lifetime"}
	goalFields       = []string{"goal", "fairness"}
)
