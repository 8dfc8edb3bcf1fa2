package local

import (
	"fmt"
	"net"
	"strconv"
)

// A broker listens on three ports around its listenPort: the VIP channel at
// listenPort-2 and HA at listenPort+1. A block of four consecutive ports
// [p-2, p+1] is kept per broker so co-located brokers never collide.
const brokerBlock = 4

// portPlan hands out loopback ports. With a base it hands out consecutive
// ports from it and a busy one is an error naming it (bad input); without, it
// asks the kernel for free ones.
type portPlan struct {
	next int // 0: pick free ports
	held []net.Listener
}

// take reserves n consecutive ports and returns the first. The listeners
// stay open until release, so two calls never hand out the same port.
func (pp *portPlan) take(n int, what string) (int, error) {
	if pp.next > 0 {
		first := pp.next
		for i := 0; i < n; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(first+i)))
			if err != nil {
				return 0, fmt.Errorf("port %d for %s is not free: %w", first+i, what, err)
			}
			pp.held = append(pp.held, l)
		}
		pp.next += n
		return first, nil
	}
	for attempt := 0; attempt < 50; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port for %s: %w", what, err)
		}
		first := l.Addr().(*net.TCPAddr).Port
		block := []net.Listener{l}
		ok := first+n < 65536
		for i := 1; ok && i < n; i++ {
			l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(first+i)))
			if err != nil {
				ok = false
				break
			}
			block = append(block, l2)
		}
		if ok {
			pp.held = append(pp.held, block...)
			return first, nil
		}
		for _, b := range block {
			b.Close()
		}
	}
	return 0, fmt.Errorf("find %d consecutive free ports for %s: none after 50 tries", n, what)
}

// release frees every reserved port, right before the processes bind them.
func (pp *portPlan) release() {
	for _, l := range pp.held {
		l.Close()
	}
	pp.held = nil
}
