package conformance

// Deviation is a known way Linux's TCP differs from spec/tcp.yaml, or
// shows less of it than the spec names, and how a record is read because
// of it. Reading a record applies deviations by name (see Reader); the
// table is docs/linux.md.
type Deviation struct {
	Name    string
	Linux   string // what the kernel does
	Reading string // how the record is turned into trace lines
	Source  string // the kernel source file or sysctl behind it
}

// Deviation names, as the reader applies them.
const (
	ListenerChild     = "listener-child"
	TimewaitHandover  = "timewait-handover"
	TimewaitProc      = "timewait-proc"
	TimewaitReuse     = "timewait-reuse"
	SynRetriesGiveUp  = "syn-retries-exhausted"
	NoSocketReset     = "no-socket-reset"
	ResetOnClose      = "reset-on-close"
	DataRetransmit    = "data-retransmit"
	UnacceptableReset = "rfc5961-unacceptable-rst"
	FinAckSplit       = "fin-ack-split"
	TimeWaitLength    = "time-wait-60s"
	RFC1337Off        = "rfc1337-off"
	ListenSend        = "listen-send"
)

// Deviations is every known deviation, in the order docs/linux.md lists them.
var Deviations = []Deviation{
	{ListenerChild,
		"A passive open's SYN_RCVD is a request socket (TCP_NEW_SYN_RECV), which the tracepoint does not report; the connection's own socket is cloned from the listener when the third segment arrives and is traced LISTEN→SYN_RECV→ESTABLISHED.",
		"The child socket is an instance of its own, whose first line is a PASSIVE_OPEN into LISTEN (the state it was cloned in), written by the reader: the listen() the scenario recorded was the listener's, and the trace declares every call observed, so the validator's search does not supply it. The listener is another instance, CLOSED→LISTEN→CLOSED.",
		"net/ipv4/inet_connection_sock.c (inet_csk_clone_lock), net/ipv4/tcp_minisocks.c (tcp_create_openreq_child)"},
	{TimewaitHandover,
		"From FIN_WAIT2 and CLOSING the socket hands over to a timewait mini-socket and is traced →CLOSE; the mini-socket's FIN_WAIT2 and TIME_WAIT are never traced.",
		"That CLOSE is not the spec's CLOSED: the instance stays where it was (the line re-asserts FIN_WAIT_2 or CLOSING) and is observed further through /proc/net/tcp (timewait-proc).",
		"net/ipv4/tcp_minisocks.c (tcp_time_wait), net/ipv4/tcp.c (tcp_close), net/ipv4/tcp_input.c (tcp_fin)"},
	{TimewaitProc,
		"A timewait mini-socket is listed in /proc/net/tcp with its substate, FIN_WAIT2 (05) or TIME_WAIT (06).",
		"The scenario reads /proc/net/tcp at its checkpoints and writes what it finds into the record (trace_marker); for an instance handed over to a mini-socket it is a state observation.",
		"net/ipv4/tcp_ipv4.c (get_timewait4_sock)"},
	{TimewaitReuse,
		"A new SYN with a higher sequence number to a TIME_WAIT mini-socket ends the TIME_WAIT and opens a new connection (RFC 1122 §4.2.2.13, RFC 6191); the spec's TIME_WAIT answers a SYN with an ACK and stays.",
		"The old instance reads `timeout time_wait` (its wait ends early); the new connection is a new instance.",
		"net/ipv4/tcp_minisocks.c (tcp_timewait_state_process, TCP_TW_SYN), net/ipv4/tcp_ipv4.c (tcp_v4_rcv)"},
	{SynRetriesGiveUp,
		"SYN_SENT gives up after net.ipv4.tcp_syn_retries retransmissions: SYN_SENT→CLOSE with no reset, connect() fails with ETIMEDOUT. The spec retransmits until the user gives up (RFC 9293 §3.8.3 leaves the limit to the user).",
		"Read as ABORT: the kernel gives up for the user. The reading requires the record to show connect() failing with ETIMEDOUT.",
		"sysctl net.ipv4.tcp_syn_retries; net/ipv4/tcp_timer.c (tcp_write_timeout)"},
	{NoSocketReset,
		"A segment to a port with no socket is answered by the stack itself: tcp_send_reset with no socket (state UNKNOWN, reason NO_SOCKET).",
		"A fresh instance in CLOSED receives the peer's SYN (the peer is in SYN_SENT) and sends RST_ACK (Linux's reset to a SYN acknowledges it, <SEQ=0><ACK=SEG.SEQ+1>, as the spec's); any other no-socket reset is unexplained.",
		"net/ipv4/tcp_ipv4.c (tcp_v4_send_reset)"},
	{ResetOnClose,
		"A socket closed with SO_LINGER 0 (or with unread data, or unaccepted when its listener closes) goes →CLOSE and then sends a reset.",
		"→CLOSE followed by tcp_send_reset from the same socket reads as ABORT, sending RST.",
		"net/ipv4/tcp.c (tcp_close, tcp_disconnect), net/ipv4/inet_connection_sock.c (inet_csk_listen_stop)"},
	{DataRetransmit,
		"tcp_retransmit_skb in ESTABLISHED or CLOSE_WAIT retransmits data, which the spec does not model.",
		"A state observation of the current state; no event.",
		"net/ipv4/tcp_output.c (tcp_retransmit_skb)"},
	{UnacceptableReset,
		"An RST whose sequence number is in the window but not the next expected one is not accepted: the stack sends a challenge ACK and stays (RFC 5961 §3.2).",
		"No tcp_receive_reset is recorded; the scenario's marker reads as `recv RST` with the state unchanged, which the spec explains by a reset out of the window (another incarnation's numbers): its sequence numbers tell incarnations apart, not places in the window, so it accepts any reset of the connection's own (tcp.yaml's header). The scenario captures the challenge ACK (with net.ipv4.tcp_invalid_ratelimit 0 in its namespace, so it is not rate-limited) and asserts the state did not change.",
		"net/ipv4/tcp_input.c (tcp_validate_incoming, tcp_send_challenge_ack); sysctl net.ipv4.tcp_challenge_ack_limit"},
	{FinAckSplit,
		"FIN_WAIT1 receiving a FIN that acknowledges ours handles the ACK first (→FIN_WAIT2, traced) and the FIN next (→TIME_WAIT in the mini-socket).",
		"No mapping: the spec's FIN_WAIT_1 --recv ACK_FIN--> FIN_WAIT_2 --recv FIN--> TIME_WAIT explains it; its row FIN_WAIT_1 + recv FIN_ACK is never reached from Linux.",
		"net/ipv4/tcp_input.c (tcp_rcv_state_process)"},
	{TimeWaitLength,
		"TIME_WAIT lasts a fixed 60 s (TCP_TIMEWAIT_LEN), not 2*MSL of the spec's MSL.",
		"Traces carry no times, so nothing is read; no scenario waits for it (the instance ends in TIME_WAIT).",
		"include/net/tcp.h (TCP_TIMEWAIT_LEN)"},
	{RFC1337Off,
		"net.ipv4.tcp_rfc1337 is 0 by default: an RST in TIME_WAIT kills the mini-socket; the spec follows RFC 1337 and ignores it.",
		"Not provoked by a scenario (the reset would have to hit the mini-socket, which the tracepoint does not report).",
		"sysctl net.ipv4.tcp_rfc1337; net/ipv4/tcp_minisocks.c (tcp_timewait_state_process)"},
	{ListenSend,
		"LISTEN + SEND (turning a passive open active) is not supported: send() on a listener fails.",
		"Not provoked by a scenario; the spec's LISTEN + ACTIVE_OPEN/SEND row is unreachable from Linux.",
		"net/ipv4/tcp.c (tcp_sendmsg_locked)"},
}

// deviation returns the named deviation; an unknown name is a programming error.
func deviation(name string) Deviation {
	for _, d := range Deviations {
		if d.Name == name {
			return d
		}
	}
	panic("conformance: unknown deviation " + name)
}
