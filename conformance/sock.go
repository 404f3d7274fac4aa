package conformance

import (
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Sock is a TCP socket made in a scenario's namespace, driven with plain
// system calls so that every blocking call has a timeout.
type Sock struct {
	FD     int
	Local  string // "127.77.1.2:4000", once bound
	Remote string // the peer, once connecting or accepted; "" for a listener
}

// ioTimeout bounds every blocking socket call of a scenario.
const ioTimeout = 5 * time.Second

func sockaddr(addr string) (*unix.SockaddrInet4, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return nil, fmt.Errorf("address %q: want IPv4 ADDR:PORT", addr)
	}
	return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}, nil
}

// Socket makes a TCP socket in the namespace, bound to local (with
// SO_REUSEADDR), its calls timing out after ioTimeout.
func (n *Netns) Socket(local string) (*Sock, error) {
	sa, err := sockaddr(local)
	if err != nil {
		return nil, err
	}
	var fd int
	err = n.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	s := &Sock{FD: fd, Local: local}
	tv := unix.NsecToTimeval(ioTimeout.Nanoseconds())
	for _, opt := range []int{unix.SO_RCVTIMEO, unix.SO_SNDTIMEO} {
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, opt, &tv); err != nil {
			s.Close()
			return nil, fmt.Errorf("setsockopt: %w", err)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		s.Close()
		return nil, fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		s.Close()
		return nil, fmt.Errorf("bind %s: %w", local, err)
	}
	return s, nil
}

// Listen starts a passive open.
func (s *Sock) Listen(backlog int) error {
	if err := unix.Listen(s.FD, backlog); err != nil {
		return fmt.Errorf("listen %s: %w", s.Local, err)
	}
	return nil
}

// Connect makes an active open and waits (at most ioTimeout) for its outcome.
func (s *Sock) Connect(remote string) error {
	sa, err := sockaddr(remote)
	if err != nil {
		return err
	}
	s.Remote = remote
	if err := unix.Connect(s.FD, sa); err != nil {
		return fmt.Errorf("connect %s to %s: %w", s.Local, remote, err)
	}
	return nil
}

// Accept takes one connection from a listener.
func (s *Sock) Accept() (*Sock, error) {
	fd, sa, err := unix.Accept4(s.FD, unix.SOCK_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("accept on %s: %w", s.Local, err)
	}
	c := &Sock{FD: fd, Local: s.Local}
	if in, ok := sa.(*unix.SockaddrInet4); ok {
		c.Remote = netip.AddrPortFrom(netip.AddrFrom4(in.Addr), uint16(in.Port)).String()
	}
	tv := unix.NsecToTimeval(ioTimeout.Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	return c, nil
}

// Write sends p.
func (s *Sock) Write(p []byte) error {
	err := unix.Sendto(s.FD, p, unix.MSG_NOSIGNAL, nil)
	if err != nil {
		return fmt.Errorf("write on %s: %w", s.Local, err)
	}
	return nil
}

// ReadEOF reads until the peer's FIN (end of file), at most 16 reads.
func (s *Sock) ReadEOF() error {
	buf := make([]byte, 4096)
	for i := 0; i < 16; i++ {
		n, err := unix.Read(s.FD, buf)
		if err != nil {
			return fmt.Errorf("read on %s: %w", s.Local, err)
		}
		if n == 0 {
			return nil
		}
	}
	return fmt.Errorf("read on %s: no end of file after 16 reads", s.Local)
}

// Read reads once; it returns the error of the read (ECONNRESET, a timeout, ...).
func (s *Sock) Read() (int, error) {
	buf := make([]byte, 4096)
	return unix.Read(s.FD, buf)
}

// ShutdownWrite half-closes: the spec's CLOSE, with the socket still open for reading.
func (s *Sock) ShutdownWrite() error {
	if err := unix.Shutdown(s.FD, unix.SHUT_WR); err != nil {
		return fmt.Errorf("shutdown on %s: %w", s.Local, err)
	}
	return nil
}

// Abort closes with SO_LINGER 0: the connection is reset.
func (s *Sock) Abort() error {
	if err := unix.SetsockoptLinger(s.FD, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0}); err != nil {
		return fmt.Errorf("SO_LINGER on %s: %w", s.Local, err)
	}
	return s.Close()
}

// Close closes the descriptor; closing twice is harmless.
func (s *Sock) Close() error {
	if s.FD < 0 {
		return nil
	}
	err := unix.Close(s.FD)
	s.FD = -1
	if err != nil {
		return fmt.Errorf("close on %s: %w", s.Local, err)
	}
	return nil
}
