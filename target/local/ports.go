package local

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// A broker listens on ports around its listenPort: the VIP channel at
// listenPort-2, HA at listenPort+1 and, in DLedger mode, its Raft member at
// listenPort+2. A block of five consecutive ports [p-2, p+2] is kept per
// broker so co-located brokers never collide.
const brokerBlock = 5

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
	// Below the kernel's ephemeral range: outbound connections (the
	// brokers' own, the clients') take their source ports from that range,
	// and one could land on a port planned here before its process binds it.
	low, high := 10000, ephemeralLow()-n
	span := high - low
	start := rand.IntN(span)
	for i := 0; i < span; i += n {
		first := low + (start+i)%span
		block, ok := listenBlock(first, n)
		if ok {
			pp.held = append(pp.held, block...)
			return first, nil
		}
	}
	return 0, fmt.Errorf("find %d consecutive free ports for %s below %d: none", n, what, high+n)
}

// listenBlock listens on n consecutive ports from first, or on none.
func listenBlock(first, n int) ([]net.Listener, bool) {
	var block []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(first+i)))
		if err != nil {
			for _, b := range block {
				b.Close()
			}
			return nil, false
		}
		block = append(block, l)
	}
	return block, true
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 11000 {
				return v
			}
		}
	}
	return 32768
}

// release frees every reserved port, right before the processes bind them.
func (pp *portPlan) release() {
	for _, l := range pp.held {
		l.Close()
	}
	pp.held = nil
}
