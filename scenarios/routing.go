package scenarios

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of routing/brokers-registered and routing/topic-create.
var (
	regCluster    = verdict.Clause{ID: "cluster-name", Text: "only the Cluster's name is registered"}
	regShardNames = verdict.Clause{ID: "shard-names", Text: "shards are named broker-<3 characters>"}
	regBrokerIDs  = verdict.Clause{ID: "broker-ids", Text: "each broker is registered at the brokerId its role gives it, at its address"}
	regNothing    = verdict.Clause{ID: "nothing-else", Text: "nothing but the Cluster's shards is registered"}
	regOwnConfig  = verdict.Clause{ID: "own-config", Text: "each broker's own config names its cluster, shard and brokerId"}

	topicNoTemplate = verdict.Clause{ID: "no-template", Text: "no template topic TBW102 exists"}
	topicNoAuto     = verdict.Clause{ID: "no-auto-create", Text: "a send to an uncreated topic fails and creates no route"}
	topicRouted     = verdict.Clause{ID: "routed", Text: "a created topic is routed read-write to every shard with the queues asked for"}
	topicWritable   = verdict.Clause{ID: "writable", Text: "each shard takes a write to the created topic"}
)

// brokersRegisteredCase is routing/brokers-registered.
var brokersRegisteredCase = Case{Case: verdict.Case{
	Suite: "routing", Name: "brokers-registered",
	Promise: "Every broker group of the Cluster is registered in every namesrv under the Cluster's name, named broker-<3 characters>, with the master at brokerId 0 and each slave at brokerId = its ordinal (in DLedger mode: the elected leader at 0, each follower at its member index + 1), at the address it advertises, and nothing else is registered; each broker's own config names the same cluster, shard and brokerId.",
	Description: "Shard names follow KubeBlocks: broker-<3 random characters>, not broker-0/broker-1 as the seed's secret table suggests (facts sheet section 3). " +
		"Reads GET_BROKER_CLUSTER_INFO from each namesrv and GET_BROKER_CONFIG from each broker.",
	Clauses: []verdict.Clause{clauseBrokers, regCluster, regShardNames, regBrokerIDs, regNothing, regOwnConfig},
	Needs:   []verdict.Capability{verdict.Messaging},
}, Run: brokersRegistered}

// topicCreateCase is routing/topic-create.
var topicCreateCase = Case{Case: verdict.Case{
	Suite: "routing", Name: "topic-create",
	Promise: "Topics are not auto-created (autoCreateTopicEnable=false): no template topic exists and a send to an uncreated topic fails; a topic created on every master is routed by every namesrv to every shard, read-write, with the queues asked for, and each shard takes a write to it.",
	Description: "The create is checked through the route, never trusted by its reply (rocketmq-client-go's admin ignores the response code). " +
		"With auto-creation on, a broker registers the template topic TBW102; its absence is the broker-side proof.",
	Clauses: []verdict.Clause{clauseBrokers, topicNoTemplate, topicNoAuto, topicRouted, topicWritable},
	Needs:   []verdict.Capability{verdict.Messaging},
}, Run: topicCreate}

func init() {
	register(
		brokersRegisteredCase,
		topicCreateCase,
		namesrvIndependenceCase,
		staleBrokerExpiryCase,
	)
}

var shardNameRE = regexp.MustCompile(`^broker-[a-z0-9]{3}$`)

func brokersRegistered(ctx context.Context, t *T) {
	topo := t.Target.Topology()
	shards := awaitShards(ctx, t)
	rc := adminOf(t)
	want := map[string]target.Shard{}
	for _, s := range shards {
		want[s.Name] = s
		if !shardNameRE.MatchString(s.Name) {
			t.Errorf(regShardNames, "shard %q is not named broker-<3 characters> as KubeBlocks names shards", s.Name)
		}
	}
	for _, ns := range namesrvAddrs(ctx, t) {
		ci, err := clusterInfo(ctx, t, rc, ns)
		if err != nil {
			t.Erroredf("not judged: namesrv %s: GET_BROKER_CLUSTER_INFO: %v", ns, err)
		}
		for cluster, names := range ci.ClusterAddrTable {
			sorted := append([]string(nil), names...)
			sort.Strings(sorted)
			t.Logf("namesrv %s: cluster %s has brokers %s", ns, cluster, strings.Join(sorted, ","))
			if cluster != topo.Cluster {
				t.Errorf(regCluster, "namesrv %s lists cluster %q (brokers %s); only %q, the Cluster's name, is expected", ns, cluster, strings.Join(sorted, ","), topo.Cluster)
			}
		}
		listed := map[string]bool{}
		for _, n := range ci.ClusterAddrTable[topo.Cluster] {
			listed[n] = true
		}
		for name, s := range want {
			if !listed[name] {
				t.Errorf(regBrokerIDs, "namesrv %s: cluster %s does not list shard %s", ns, topo.Cluster, name)
			}
			bd, ok := ci.BrokerAddrTable[name]
			if !ok {
				t.Errorf(regBrokerIDs, "namesrv %s has no broker data for shard %s", ns, name)
				continue
			}
			if bd.Cluster != topo.Cluster {
				t.Errorf(regCluster, "namesrv %s: shard %s is in cluster %q, expected %q", ns, name, bd.Cluster, topo.Cluster)
			}
			t.Logf("namesrv %s: %s addrs %s", ns, name, formatAddrs(bd.BrokerAddrs))
			if len(bd.BrokerAddrs) != len(s.Brokers) {
				t.Errorf(regBrokerIDs, "namesrv %s: shard %s has %d registered brokers (%s), expected %d", ns, name, len(bd.BrokerAddrs), formatAddrs(bd.BrokerAddrs), len(s.Brokers))
			}
			for _, b := range s.Brokers {
				id := brokerID(t, s, b)
				if got := bd.BrokerAddrs[int64(id)]; got != b.Addr {
					t.Errorf(regBrokerIDs, "namesrv %s: shard %s brokerId %d is %q, expected %s (%s, ordinal %d)", ns, name, id, got, b.Addr, b.Pod, b.Ordinal)
				}
			}
		}
		for name := range ci.BrokerAddrTable {
			if _, ok := want[name]; !ok {
				t.Errorf(regNothing, "namesrv %s lists broker %q, which is no shard of this cluster", ns, name)
			}
		}
	}
	for _, s := range shards {
		for _, b := range s.Brokers {
			cfg, err := brokerConfigOf(ctx, t, rc, b.Addr)
			if err != nil {
				t.Errorf(regOwnConfig, "broker %s did not answer GET_BROKER_CONFIG at %s, the address the target advertises: %v", b.Pod, b.Addr, err)
				continue
			}
			for key, want := range map[string]string{"brokerClusterName": topo.Cluster, "brokerName": s.Name, "brokerId": strconv.Itoa(brokerID(t, s, b))} {
				if cfg[key] != want {
					t.Errorf(regOwnConfig, "broker %s: %s=%q, expected %q", b.Pod, key, cfg[key], want)
				}
			}
		}
	}
}

func formatAddrs(m map[int64]string) string {
	var ids []int
	for id := range m {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%d=%s", id, m[int64(id)]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func topicCreate(ctx context.Context, t *T) {
	rc := adminOf(t)
	shards := awaitShards(ctx, t)
	ns := namesrvAddrs(ctx, t)
	// 1. Nothing auto-creates: no TBW102 template on any master or namesrv,
	// and a send to a topic nobody created fails and leaves it unrouted.
	for _, s := range shards {
		cfgs, err := topicConfigs(ctx, t, rc, s.Master().Addr)
		if err != nil {
			t.Erroredf("not judged: read the topic config of master %s: %v", s.Master().Pod, err)
		}
		if _, ok := cfgs["TBW102"]; ok {
			t.Errorf(topicNoTemplate, "master %s holds TBW102, the template topic a broker creates only with autoCreateTopicEnable=true", s.Master().Pod)
		}
	}
	if _, err := rc.TopicRoute(ctx, ns[0], "TBW102"); err == nil {
		t.Errorf(topicNoTemplate, "namesrv %s routes TBW102: some broker runs with autoCreateTopicEnable=true", ns[0])
	} else if !remoting.IsTopicNotExist(err) {
		t.Erroredf("not judged: namesrv %s: route of TBW102: %v", ns[0], err)
	}
	uncreated := t.plants.named(uniqueName("conformance-uncreated"))
	p := clientProducer(ctx, t)
	msg := primitive.NewMessage(uncreated, []byte("must not be stored"))
	msg.Queue = &primitive.MessageQueue{Topic: uncreated, BrokerName: shards[0].Name, QueueId: 0}
	if res, err := p.SendSync(ctx, msg); err == nil {
		t.Errorf(topicNoAuto, "a send to the uncreated topic %s succeeded (%v)", uncreated, res)
	} else {
		t.Logf("send to uncreated topic %s failed as expected: %v", uncreated, err)
	}
	if _, err := rc.TopicRoute(ctx, ns[0], uncreated); !remoting.IsTopicNotExist(err) {
		t.Errorf(topicNoAuto, "after a send, the uncreated topic %s has a route (err %v): it was auto-created", uncreated, err)
	}
	// 2. An explicit create on every master is routed everywhere.
	topic := uniqueName("conformance-topic")
	const queues = 4
	createTopicJudged(ctx, t, topicRouted, topic, queues)
	t.Logf("created %s with %d queues on %d masters; every namesrv routes it to every shard", topic, queues, len(shards))
	// 3. Each shard takes a write to it.
	h := newHistory(t)
	for _, s := range shards {
		key := topic + "-" + s.Name
		load.Send(ctx, p, h, key, load.QueueMessage(topic, s.Name, 0, key, []byte("hello "+s.Name)))
	}
	judgeFailures(t, topicWritable, h, h.Failures(), shards, "writing to "+topic)
}
