package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/scenarios/namesrv"
	"github.com/rmqkb/conformance/scenarios/topic"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// adminClient returns a remoting client for tgt: signed with its
// credentials when it runs with ACL, from its client source when it has one.
func adminClient(tgt target.Target, extra ...remoting.Option) *remoting.Client {
	opts := []remoting.Option{remoting.WithTimeout(5 * time.Second)}
	if ak, sk := tgt.Credentials(); ak != "" {
		opts = append(opts, remoting.WithCredentials(ak, sk))
	}
	if src := tgt.Abilities().Source; src != "" {
		opts = append(opts, remoting.WithSource(src))
	}
	return remoting.New(append(opts, extra...)...)
}

// adminOf returns the case's remoting client (adminClient); it is closed
// when the case ends.
func adminOf(t *T) *remoting.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rc == nil {
		t.rc = adminClient(t.Target)
	}
	return t.rc
}

// uniqueName returns prefix plus a random suffix: every case uses its own
// topics and groups, so reruns and earlier cases never interfere.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// awaitShards reads the target's shards and checks them against the topology
// the Cluster asks for before any case walks them: a set that is empty or
// short (labels that drifted, a pod not found) fails the case instead of
// letting a loop over it pass on nothing.
func awaitShards(ctx context.Context, t *T) []target.Shard {
	s := listShards(ctx, t)
	if leaderless(s) == "" {
		return s
	}
	// Between a leader's loss and the next election (DLedger), or while a
	// platform moves its master label, a shard has no master for a moment:
	// that is awaited, for as long as an election may take.
	wctx, cancel := context.WithTimeout(ctx, election.Limit)
	defer cancel()
	err := wait.Until(wctx, 100*time.Millisecond, "every shard to have a master", func(ctx context.Context) (bool, string, error) {
		s = listShards(ctx, t)
		why := leaderless(s)
		return why == "", why, nil
	})
	if err != nil {
		t.Fatalf(clauseBrokers, "%s, after waiting %s: %v", leaderless(s), election.Limit, err)
	}
	return s
}

// listShards reads the target's shards and checks they are the ones the
// Cluster asks for.
func listShards(ctx context.Context, t *T) []target.Shard {
	s, err := t.Target.Shards(ctx)
	if err != nil {
		t.Erroredf("list the shards: %v", err)
	}
	if why := shardsMismatch(s, t.Target.Topology()); why != "" {
		t.Fatalf(clauseBrokers, "%s", why)
	}
	return s
}

// leaderless names the first shard without a master, or is "".
func leaderless(shards []target.Shard) string {
	for _, s := range shards {
		if s.Leader < 0 || s.Leader >= len(s.Brokers) {
			var pods []string
			for _, b := range s.Brokers {
				pods = append(pods, b.Pod)
			}
			return fmt.Sprintf("shard %s has no master the target can name (%s)", s.Name, strings.Join(pods, ", "))
		}
	}
	return ""
}

// shardsMismatch says how shards differ from what topo asks for, or "".
func shardsMismatch(shards []target.Shard, topo Topology) string {
	var names []string
	for _, s := range shards {
		names = append(names, s.Name)
	}
	if len(shards) != topo.Shards {
		return fmt.Sprintf("the target lists %d broker shards (%s); the Cluster asks for %d", len(shards), strings.Join(names, ", "), topo.Shards)
	}
	for _, s := range shards {
		var pods []string
		for i, b := range s.Brokers {
			pods = append(pods, b.Pod)
			if b.Ordinal != i {
				return fmt.Sprintf("shard %s has brokers at ordinals %v; expected 0 to %d", s.Name, ordinals(s.Brokers), topo.Replicas-1)
			}
			if b.Addr == "" {
				return fmt.Sprintf("broker %s of shard %s has no address (its pod has no IP)", b.Pod, s.Name)
			}
		}
		if len(s.Brokers) != topo.Replicas {
			return fmt.Sprintf("shard %s has %d brokers (%s); the Cluster asks for %d per shard", s.Name, len(s.Brokers), strings.Join(pods, ", "), topo.Replicas)
		}
	}
	return ""
}

func ordinals(bs []target.Broker) []int {
	var out []int
	for _, b := range bs {
		out = append(out, b.Ordinal)
	}
	return out
}

// namesrvAddrs reads the namesrv addresses, checked against the topology, or
// ends the case; the one ctx says to keep off (avoidingNamesrv) is left out.
func namesrvAddrs(ctx context.Context, t *T) []string {
	ns := namesrvAddrsOf(ctx, t, t.Target.Topology().Namesrvs)
	if i := avoided(ctx); i >= 0 && i < len(ns) && len(ns) > 1 {
		ns = slices.Delete(slices.Clone(ns), i, i+1)
	}
	return ns
}

// namesrvAddrsOf is namesrvAddrs checked against want namesrvs (a
// scaling case's count while it has scaled them).
func namesrvAddrsOf(ctx context.Context, t *T, want int) []string {
	ns, err := t.Target.Namesrvs(ctx)
	if err != nil {
		t.Erroredf("find the namesrvs: %v", err)
	}
	if len(ns) != want {
		t.Fatalf(clauseBrokers, "the target lists %d namesrvs (%s); the Cluster asks for %d", len(ns), strings.Join(ns, ", "), want)
	}
	return ns
}

// namesrvsOf is the target's namesrvs, read with the case's admin client.
func namesrvsOf(ctx context.Context, t *T) namesrv.View {
	rc := adminOf(t)
	return namesrv.View{Addrs: namesrvAddrs(ctx, t), Info: rc.ClusterInfo, Route: rc.TopicRoute}
}

// plantedNamesrvs is namesrvsOf with the cluster tables read through the
// tests' namesrv plant, for the cases a planted namesrv fault judges.
func plantedNamesrvs(ctx context.Context, t *T) namesrv.View {
	v := namesrvsOf(ctx, t)
	v.Info = func(ctx context.Context, ns string) (*remoting.ClusterInfo, error) {
		return clusterInfo(ctx, t, adminOf(t), ns)
	}
	return v
}

// createTopic creates topic on every master with the given queue count and
// returns once every namesrv routes it to every shard with those queues. A
// create is never trusted by its reply alone. For most cases a topic is a
// precondition: one that cannot be created errors the case, not judged.
func createTopic(ctx context.Context, t *T, topic string, queues int) {
	makeTopic(ctx, t, topic, queues, func(format string, args ...any) {
		t.Erroredf("not judged: "+format, args...)
	})
}

// createTopicJudged is createTopic for a case whose clause c promises the
// create: one that does not take fails c.
func createTopicJudged(ctx context.Context, t *T, c verdict.Clause, topic string, queues int) {
	makeTopic(ctx, t, topic, queues, func(format string, args ...any) { t.Fatalf(c, format, args...) })
}

// makeTopic creates topic and awaits its route; a step that does not take
// ends the case through fail.
func makeTopic(ctx context.Context, t *T, name string, queues int, fail func(format string, args ...any)) {
	shards := awaitShards(ctx, t)
	if err := topic.Create(ctx, adminOf(t), shards, name, queues); err != nil {
		fail("%v", err)
	}
	differs, err := awaitRoute(ctx, t, name, shards, queues)
	switch {
	case err != nil && differs != "":
		fail("topic %s was created on every master but is not routed as asked: %s (%v)", name, differs, err)
	case err != nil:
		t.Erroredf("not judged: topic %s was created on every master, but no namesrv answered for its route: %v", name, err)
	}
}

// awaitRoute waits until every namesrv routes topic to exactly the shards,
// each with queues read and write queues (topic.AwaitRoute).
func awaitRoute(ctx context.Context, t *T, name string, shards []target.Shard, queues int) (string, error) {
	return topic.AwaitRoute(ctx, adminOf(t), namesrvAddrs(ctx, t), name, shards, queues, 15*time.Second)
}

// slaveTopicSync is how often a 4.9 slave copies topic config from its
// master (SlaveSynchronize, every 10 s); a slave serves a topic only once
// it has it.
const slaveTopicSync = 10 * time.Second

// addonRegisterPeriod is the addon's registerNameServerPeriod (30 s).
const addonRegisterPeriod = 30 * time.Second

// awaitSlaveTopics waits until every slave of shards knows topic, up to
// the sync period plus a margin for a busy machine, and says how long it
// took. In DLedger mode a follower learns whom to sync from at its
// registration (the namesrv answers with the master's address), and one
// that registered during an election, before the new leader did, learns
// it only at its next, a registration period later: that period is
// allowed too.
func awaitSlaveTopics(ctx context.Context, t *T, shards []target.Shard, name string) error {
	start := time.Now()
	limit := slaveTopicSync + 15*time.Second
	if t.Target.Topology().Mode.DLedger {
		limit += addonRegisterPeriod
	}
	if err := topic.AwaitOnSlaves(ctx, adminOf(t), shards, name, limit); err != nil {
		return err
	}
	took := time.Since(start)
	t.Waited("slave_topic_sync", took, timerSlaveSync)
	t.Logf("slaves synced topic %s after %s (slaves copy topic config every %s)", name, took.Round(10*time.Millisecond), slaveTopicSync)
	return nil
}

// The RocketMQ timers a run waits on, as the report names them
// (verdict.T.Waited): no suite can be faster than they allow.
const (
	timerRegistration = "each broker registers with every namesrv every 30 s (registerNameServerPeriod): a restarted namesrv lists it again at its next registration"
	timerSlaveSync    = "a slave copies topic config from its master every 10 s: it serves a new topic after its next copy"
	timerRouteRefresh = "rocketmq-client-go re-reads routes every 30 s: a producer that dropped a master sends to it again after its next read"
	timerExpiry       = "a namesrv drops a broker silent for 120 s, scanning every 10 s"
	timerHAReconnect  = "a restarted 4.9 slave's HA client retries its master every 5 s until it has its address, and first reports its offset a heartbeat interval (5 s) after connecting; the master sends from that report"
)

// current re-reads b from the target: on Kubernetes a recreated pod has a
// new IP, so addresses are never reused across a kill.
func current(ctx context.Context, t *T, b target.Broker) target.Broker {
	for _, s := range awaitShards(ctx, t) {
		for _, nb := range s.Brokers {
			if nb.Pod == b.Pod {
				return nb
			}
		}
	}
	t.Fatalf(clauseBrokers, "broker %s is gone from the target", b.Pod)
	return b
}

// brokerID is the brokerId the addon's mode gives b in shard s, which it
// registers under: its ordinal, or in DLedger mode 0 for the elected
// leader and, for a follower, its member index plus one (RocketMQ's
// DLedgerRoleChangeHandler).
func brokerID(t *T, s target.Shard, b target.Broker) int {
	if !t.Target.Topology().Mode.DLedger {
		return b.Ordinal
	}
	if b.Pod == s.Master().Pod {
		return 0
	}
	return b.Ordinal + 1
}
