package scenarios

import (
	"context"
	"maps"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
)

// plants are the faults the tests plant at the suite's edge, for the
// clauses no broker setting can break in exactly one way: a consumer that
// drops, duplicates or reorders one delivery, a broker read that comes
// back short, a sampler that stalls, a history with one acknowledgement
// that never happened. A real run has none: only the tests build a
// Session with them (export_test.go), and they reach a case through its
// T, so cases that run side by side never see each other's.
//
// Two kinds act at different times. deliver, config, cluster and sample
// act while the case runs. judge and read act when a case judges a
// recorded fault run (a kill, a freeze, a namesrv restart): they change a
// copy of what was recorded, so the tests can judge one run again and
// again, each time with another fault, without injecting it anew.
type plants struct {
	deliver func(who string, msgs []*primitive.MessageExt) []*primitive.MessageExt
	// attribute names the member a delivery to who is counted for.
	attribute func(who string) string
	readMsg   func(addr string, msgs []remoting.Message) []remoting.Message
	config    func(addr string, cfg map[string]string)
	cluster   func(ns string, ci *remoting.ClusterInfo)
	topics    func(addr string, cfgs map[string]remoting.TopicConfig)
	sample    func(ctx context.Context)
	judge     func(h *history.History)
	// rename names what the case calls name instead (a topic that must not
	// exist yet, say).
	rename func(name string) string
	// signUnsigned makes the case's unsigned client sign with the
	// shard's account.
	signUnsigned bool
	// labels relabels a shard's brokers, as a platform that labels roles
	// would, when a fault run's labels are judged.
	labels func(s target.Shard) target.Shard
	// stopped runs when a case's load has stopped, before it waits for
	// its slaves to catch up.
	stopped func(shards []target.Shard)
	// operation changes a copy of a recorded operation when it is
	// judged; registered, the brokers a namesrv did not list again.
	operation  func(op *target.Operation)
	registered func(missing []string) []string
	// probe changes how a master took a probe body (reconfigure: step is
	// the value then set, or "before").
	probe func(step, shard string, err error) error
	// podRun changes what a pod was recorded running with.
	podRun func(pod string, run *target.PodRun)
	// churnRounds, when not 0, is how many leaders leader-churn kills.
	churnRounds int
	// exporterCollect, when not 0, bounds the wait for the exporter's
	// series: the tests' exporter answers at once.
	exporterCollect time.Duration
}

// delivered passes what a consumer callback got through the planted
// consumer fault, if any; who names the consumer (all-tags, TagA, clu-1,
// bro-2, ...).
func (p plants) delivered(who string, msgs []*primitive.MessageExt) []*primitive.MessageExt {
	if p.deliver != nil {
		return p.deliver(who, msgs)
	}
	return msgs
}

// attributed is the member a delivery to consumer who counts for.
func (p plants) attributed(who string) string {
	if p.attribute != nil {
		return p.attribute(who)
	}
	return who
}

// read passes what a broker read returned through the planted read fault.
func (p plants) read(addr string, msgs []remoting.Message) []remoting.Message {
	if p.readMsg != nil {
		return p.readMsg(addr, msgs)
	}
	return msgs
}

// named is what the case uses for the fresh name name.
func (p plants) named(name string) string {
	if p.rename != nil {
		return p.rename(name)
	}
	return name
}

// loadStopped runs once a case's load on shards has stopped.
func (p plants) loadStopped(shards []target.Shard) {
	if p.stopped != nil {
		p.stopped(shards)
	}
}

// sampling runs before each offset sample; a planted stall blocks it.
func (p plants) sampling(ctx context.Context) {
	if p.sample != nil {
		p.sample(ctx)
	}
}

// judging runs on a history just before a case judges it.
func (p plants) judging(h *history.History) {
	if p.judge != nil {
		p.judge(h)
	}
}

// brokerConfigOf reads the broker's effective config (GET_BROKER_CONFIG)
// with rc; every case reads configs through it, and so through the
// planted config fault.
func brokerConfigOf(ctx context.Context, t *T, rc *remoting.Client, addr string) (map[string]string, error) {
	cfg, err := rc.BrokerConfig(ctx, addr)
	if err == nil && t.plants.config != nil {
		t.plants.config(addr, cfg)
	}
	return cfg, err
}

// judgedConfig is a broker config a fault run recorded, as case t judges
// it: a copy, through the tests' config plant.
func judgedConfig(t *T, addr string, cfg map[string]string) map[string]string {
	c := maps.Clone(cfg)
	if c != nil && t.plants.config != nil {
		t.plants.config(addr, c)
	}
	return c
}

// topicConfigs reads a broker's topic table (GET_ALL_TOPIC_CONFIG) with
// rc, through the planted topic fault, if any.
func topicConfigs(ctx context.Context, t *T, rc *remoting.Client, addr string) (map[string]remoting.TopicConfig, error) {
	cfgs, err := rc.TopicConfigs(ctx, addr)
	if err == nil && t.plants.topics != nil {
		t.plants.topics(addr, cfgs)
	}
	return cfgs, err
}

// clusterInfo reads a namesrv's cluster table (GET_BROKER_CLUSTER_INFO)
// with rc, through the planted namesrv fault, if any.
func clusterInfo(ctx context.Context, t *T, rc *remoting.Client, ns string) (*remoting.ClusterInfo, error) {
	ci, err := rc.ClusterInfo(ctx, ns)
	if err == nil && t.plants.cluster != nil {
		t.plants.cluster(ns, ci)
	}
	return ci, err
}
