package scenarios_test

import (
	"context"
	"io"
	"net"
	"sync"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
)

// The plants of routing/namesrv-independence, on the conforming bench
// (two namesrvs).

// namesrvMissesASlave answers every read of the second namesrv's cluster
// table without the first shard's slave: a namesrv that does not hold the
// whole registration.
func namesrvMissesASlave(c *local.Cluster) planted {
	ns, _ := c.Namesrvs(context.Background())
	slave := shardsOf(c)[0].Brokers[1]
	return with(scenarios.PlantClusterInfo(func(addr string, ci *remoting.ClusterInfo) {
		if addr != ns[1] {
			return
		}
		bd := ci.BrokerAddrTable[slave.Shard]
		for id, a := range bd.BrokerAddrs {
			if a == slave.Addr {
				delete(bd.BrokerAddrs, id)
			}
		}
	}))
}

// secondNamesrvProxiesFirst lists, in place of the second namesrv, a
// proxy to the first: a namesrv that answers with another namesrv's
// routes, and so fails with it.
func secondNamesrvProxiesFirst(c *local.Cluster) planted {
	ns, _ := c.Namesrvs(context.Background())
	p, err := newProxy(ns[0])
	if err != nil {
		panic(err)
	}
	pl := reshape(c, reshaped{namesrvs: func(ns []string) []string { return []string{ns[0], p.addr()} }})
	pl.undo = p.close
	return pl
}

// namesrvDownTakesASlave is a platform whose namesrv loss takes the first
// shard's slave down with it, until the namesrv is released: the
// survivors' routes lose the slave.
type namesrvDownTakesASlave struct {
	*local.Cluster
	slave target.Broker
}

func (n namesrvDownTakesASlave) Abilities() target.Abilities {
	a := n.Cluster.Abilities()
	a.Holder = n
	return a
}

func (n namesrvDownTakesASlave) HoldNamesrvDown(ctx context.Context, i int) error {
	if err := n.Cluster.HoldNamesrvDown(ctx, i); err != nil {
		return err
	}
	if err := n.Cluster.Hold(n.slave.Pod); err != nil {
		return err
	}
	return n.Cluster.Kill(ctx, n.slave)
}

func (n namesrvDownTakesASlave) ReleaseNamesrv(ctx context.Context, i int) error {
	if err := n.Cluster.Release(n.slave.Pod); err != nil {
		return err
	}
	return n.Cluster.ReleaseNamesrv(ctx, i)
}

func namesrvTakesASlave(c *local.Cluster) planted {
	n := namesrvDownTakesASlave{Cluster: c, slave: shardsOf(c)[0].Brokers[1]}
	return planted{target: n, undo: func() { c.Release(n.slave.Pod) }}
}

// proxy forwards every connection to one address.
type proxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(to string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, to: to}
	go p.serve()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.to)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}
