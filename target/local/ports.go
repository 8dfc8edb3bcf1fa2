package local

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// A broker listens on ports around its listenPort: the VIP channel at
// listenPort-2, HA at listenPort+1 and, in DLedger mode, its Raft member at
// listenPort+2. A block of five consecutive ports [p-2, p+2] is kept per
// broker so co-located brokers never collide.
const brokerBlock = 5

// slotSize is how many ports a cluster claims at a time when it picks its own.
// A claim lasts the cluster's life, so the ports of a killed broker, free
// while it is down, or of one whose JVM has not bound them yet, are never
// handed to another cluster started beside it (the planted tier starts
// several at once, and `go test ./...` runs packages side by side).
const slotSize = 64

// portPlan hands out a cluster's loopback ports. With a base it hands out
// consecutive ports from it and a busy one is an error naming it (bad input).
// Without, it claims slots of slotSize ports below the kernel's ephemeral
// range and hands out the free ports in them in order.
//
// A slot is claimed by listening on its first port for as long as the plan
// lives: another plan, in this process or another of the suite's, finds that
// port taken and moves on to the next slot. Nothing is left on disk and a
// dead process's claims end with it.
type portPlan struct {
	mu    sync.Mutex
	base  bool
	next  int                 // the next port to try
	end   int                 // the claimed slot's end (exclusive); unused with a base
	marks []net.Listener      // one per claimed slot, open until close
	held  []net.Listener      // handed-out ports, open until release
	first func(slots int) int // the slot to try first; random but in tests
}

// newPortPlan plans from base, or from claimed slots when base is 0.
func newPortPlan(base int) *portPlan {
	return &portPlan{base: base > 0, next: base, first: rand.IntN}
}

// take reserves n consecutive ports and returns the first. The listeners
// stay open until release, so two calls never hand out the same port.
func (pp *portPlan) take(n int, what string) (int, error) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.base {
		first := pp.next
		block, port, err := listenBlock(first, n)
		if err != nil {
			return 0, fmt.Errorf("port %d for %s is not free: %w", port, what, err)
		}
		pp.held = append(pp.held, block...)
		pp.next += n
		return first, nil
	}
	if n >= slotSize {
		return 0, fmt.Errorf("%d consecutive ports for %s: a slot holds %d", n, what, slotSize-1)
	}
	for {
		if pp.next == 0 || pp.next+n > pp.end {
			if err := pp.claim(what); err != nil {
				return 0, err
			}
		}
		first := pp.next
		block, _, err := listenBlock(first, n)
		if err == nil {
			pp.held = append(pp.held, block...)
			pp.next += n
			return first, nil
		}
		// Taken by something outside the suite: step past it.
		pp.next++
	}
}

// claim takes the first free slot from a random one on.
func (pp *portPlan) claim(what string) error {
	// Below the kernel's ephemeral range: outbound connections (the
	// brokers' own, the clients') take their source ports from that range,
	// and one could land on a port planned here before its process binds it.
	const low = 10000
	slots := (ephemeralLow() - low) / slotSize
	start := pp.first(slots)
	for i := range slots {
		first := low + (start+i)%slots*slotSize
		mark, err := listen(first)
		if err == nil {
			pp.marks = append(pp.marks, mark)
			pp.next, pp.end = first+1, first+slotSize
			return nil
		}
	}
	return fmt.Errorf("find a free slot of %d ports for %s below %d: none", slotSize, what, low+slots*slotSize)
}

func listen(port int) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
}

// listenBlock listens on n consecutive ports from first, or on none and
// names the port that was taken.
func listenBlock(first, n int) ([]net.Listener, int, error) {
	var block []net.Listener
	for i := 0; i < n; i++ {
		l, err := listen(first + i)
		if err != nil {
			for _, b := range block {
				b.Close()
			}
			return nil, first + i, err
		}
		block = append(block, l)
	}
	return block, 0, nil
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

// release frees the handed-out ports, right before the processes bind them.
// The slots stay claimed.
func (pp *portPlan) release() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	for _, l := range pp.held {
		l.Close()
	}
	pp.held = nil
}

// close releases everything, the slots too: once the cluster's processes
// have stopped.
func (pp *portPlan) close() {
	pp.release()
	pp.mu.Lock()
	defer pp.mu.Unlock()
	for _, l := range pp.marks {
		l.Close()
	}
	pp.marks = nil
}
