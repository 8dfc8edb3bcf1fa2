package scenarios

import (
	"context"
	"sync"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
)

// edgePlants are the faults the tests plant at the suite's edge, for the
// clauses no broker setting can break in exactly one way: a consumer that
// drops, duplicates or reorders one delivery, a broker read that comes back
// short, a sampler that stalls, a history with one acknowledgement that
// never happened. Every hook is nil in a real run; the tests set them
// (export_test.go) to prove each clause can fail.
type edgePlants struct {
	mu      sync.Mutex
	deliver func(who string, msgs []*primitive.MessageExt) []*primitive.MessageExt
	readMsg func(addr string, msgs []remoting.Message) []remoting.Message
	config  func(addr string, cfg map[string]string)
	cluster func(ns string, ci *remoting.ClusterInfo)
	sample  func(ctx context.Context)
	loaded  func(h *history.History)
	judge   func(h *history.History)
}

var plants edgePlants

// hook reads one of the plants under the lock.
func hook[F any](p *edgePlants, f *F) F {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *f
}

// delivered passes what a consumer callback got through the planted
// consumer fault, if any; who names the consumer (all-tags, TagA, clu-1,
// bro-2, ...).
func (p *edgePlants) delivered(who string, msgs []*primitive.MessageExt) []*primitive.MessageExt {
	if f := hook(p, &p.deliver); f != nil {
		return f(who, msgs)
	}
	return msgs
}

// read passes what a broker read returned through the planted read fault.
func (p *edgePlants) read(addr string, msgs []remoting.Message) []remoting.Message {
	if f := hook(p, &p.readMsg); f != nil {
		return f(addr, msgs)
	}
	return msgs
}

// configured passes a broker's config, as read, through the planted
// config fault.
func (p *edgePlants) configured(addr string, cfg map[string]string) {
	if f := hook(p, &p.config); f != nil {
		f(addr, cfg)
	}
}

// brokerConfig reads the broker's effective config (GET_BROKER_CONFIG)
// with rc; every case reads configs through it.
func brokerConfig(ctx context.Context, rc *remoting.Client, addr string) (map[string]string, error) {
	cfg, err := rc.BrokerConfig(ctx, addr)
	if err == nil {
		plants.configured(addr, cfg)
	}
	return cfg, err
}

// clusterInfo reads a namesrv's cluster table (GET_BROKER_CLUSTER_INFO)
// with rc, through the planted namesrv fault, if any.
func clusterInfo(ctx context.Context, rc *remoting.Client, ns string) (*remoting.ClusterInfo, error) {
	ci, err := rc.ClusterInfo(ctx, ns)
	if err == nil {
		if f := hook(&plants, &plants.cluster); f != nil {
			f(ns, ci)
		}
	}
	return ci, err
}

// sampling runs before each offset sample; a planted stall blocks it.
func (p *edgePlants) sampling(ctx context.Context) {
	if f := hook(p, &p.sample); f != nil {
		f(ctx)
	}
}

// underLoad runs on a fault run's history once its load runs, before the
// fault.
func (p *edgePlants) underLoad(h *history.History) {
	if f := hook(p, &p.loaded); f != nil {
		f(h)
	}
}

// judging runs on a history just before a case judges it.
func (p *edgePlants) judging(h *history.History) {
	if f := hook(p, &p.judge); f != nil {
		f(h)
	}
}
