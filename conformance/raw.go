package conformance

import (
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// TCP header flags.
const (
	FlagFIN = 0x01
	FlagSYN = 0x02
	FlagRST = 0x04
	FlagACK = 0x10
)

// Segment is a TCP segment seen on the namespace's loopback.
type Segment struct {
	Src, Dst string // "127.77.11.1:5000"
	Seq, Ack uint32
	Flags    uint8
	Len      int // payload bytes
}

// Sniffer captures IPv4 packets on the namespace's loopback (AF_PACKET).
type Sniffer struct {
	fd int
}

// Sniff opens a capture on the namespace's loopback.
func (n *Netns) Sniff() (*Sniffer, error) {
	var fd int
	err := n.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_IP)))
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: 1}); err != nil {
			unix.Close(fd)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("packet capture: %w", err)
	}
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("packet capture: %w", err)
	}
	return &Sniffer{fd: fd}, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Next waits (at most 3 s, 1000 reads) for a TCP segment that match accepts.
func (s *Sniffer) Next(match func(Segment) bool) (Segment, error) {
	seg, ok := s.NextWithin(3*time.Second, match)
	if !ok {
		return Segment{}, fmt.Errorf("packet capture: no matching segment within 3s")
	}
	return seg, nil
}

// NextWithin waits at most d (and 1000 reads) for a TCP segment that match
// accepts; ok is false when none came.
func (s *Sniffer) NextWithin(d time.Duration, match func(Segment) bool) (seg Segment, ok bool) {
	buf := make([]byte, 65536)
	deadline := time.Now().Add(d)
	for i := 0; i < 1000 && time.Now().Before(deadline); i++ {
		n, _, err := unix.Recvfrom(s.fd, buf, 0)
		if err != nil {
			continue // timeout: try again until the deadline
		}
		seg, ok := parseSegment(buf[:n])
		if ok && match(seg) {
			return seg, true
		}
	}
	return Segment{}, false
}

// Close ends the capture.
func (s *Sniffer) Close() error { return unix.Close(s.fd) }

func parseSegment(p []byte) (Segment, bool) {
	if len(p) < 20 || p[0]>>4 != 4 || p[9] != unix.IPPROTO_TCP {
		return Segment{}, false
	}
	ihl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:4]))
	if total > len(p) || ihl < 20 || total < ihl+20 {
		return Segment{}, false
	}
	t := p[ihl:total]
	off := int(t[12]>>4) * 4
	if off < 20 || off > len(t) {
		return Segment{}, false
	}
	return Segment{
		Src:   fmt.Sprintf("%d.%d.%d.%d:%d", p[12], p[13], p[14], p[15], binary.BigEndian.Uint16(t[0:2])),
		Dst:   fmt.Sprintf("%d.%d.%d.%d:%d", p[16], p[17], p[18], p[19], binary.BigEndian.Uint16(t[2:4])),
		Seq:   binary.BigEndian.Uint32(t[4:8]),
		Ack:   binary.BigEndian.Uint32(t[8:12]),
		Flags: t[13],
		Len:   len(t) - off,
	}, true
}

// Inject sends a handmade TCP segment (no payload) from src to dst inside the namespace.
func (n *Netns) Inject(src, dst string, seq, ack uint32, flags uint8) error {
	s, err := sockaddr(src)
	if err != nil {
		return err
	}
	d, err := sockaddr(dst)
	if err != nil {
		return err
	}
	pkt := make([]byte, 40)
	pkt[0] = 0x45
	binary.BigEndian.PutUint16(pkt[2:4], 40)
	pkt[8] = 64
	pkt[9] = unix.IPPROTO_TCP
	copy(pkt[12:16], s.Addr[:])
	copy(pkt[16:20], d.Addr[:])
	t := pkt[20:]
	binary.BigEndian.PutUint16(t[0:2], uint16(s.Port))
	binary.BigEndian.PutUint16(t[2:4], uint16(d.Port))
	binary.BigEndian.PutUint32(t[4:8], seq)
	binary.BigEndian.PutUint32(t[8:12], ack)
	t[12] = 5 << 4
	t[13] = flags
	binary.BigEndian.PutUint16(t[14:16], 65535)
	binary.BigEndian.PutUint16(t[16:18], tcpChecksum(pkt[12:16], pkt[16:20], t))
	return n.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		defer unix.Close(fd)
		if err := unix.Sendto(fd, pkt, 0, &unix.SockaddrInet4{Addr: d.Addr}); err != nil {
			return fmt.Errorf("inject: %w", err)
		}
		return nil
	})
}

func tcpChecksum(src, dst, seg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src)
	add(dst)
	add([]byte{0, unix.IPPROTO_TCP, byte(len(seg) >> 8), byte(len(seg))})
	add(seg)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
