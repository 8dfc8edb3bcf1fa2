package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"

	"github.com/rmqkb/conformance/internal/clientlog"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of messaging/consumer-groups.
var (
	cgClusterOnce   = verdict.Clause{ID: "clustering-once", Text: "each message reaches exactly one clustering member"}
	cgSplit         = verdict.Clause{ID: "clustering-split", Text: "each clustering member consumes some queues"}
	cgBroadcastAll  = verdict.Clause{ID: "broadcast-all", Text: "every broadcasting member receives every message"}
	cgBroadcastOnce = verdict.Clause{ID: "broadcast-once", Text: "no broadcasting member receives a message twice"}
)

// consumerGroupsCase is messaging/consumer-groups; messaging.go registers
// it in the suite's order.
var consumerGroupsCase = Case{Case: verdict.Case{
	Suite: "messaging", Name: "consumer-groups",
	Promise:     "Every send is acknowledged; members of a clustering consumer group split the queues, so each message reaches exactly one member and each member some; every member of a broadcasting group receives every message exactly once.",
	Description: "Two members per group; messages are sent once the brokers list both members of each group.",
	Clauses:     []verdict.Clause{clauseBrokers, clauseSent, clauseNotLost, cgClusterOnce, cgSplit, cgBroadcastAll, cgBroadcastOnce},
	Needs:       []verdict.Capability{verdict.Messaging},
	Timeout:     120 * time.Second,
}, Run: consumerGroups, Shares: sharedGroups}

// groupsRun is the record of messaging/consumer-groups: what was sent,
// and what every member of a clustering and a broadcasting group was
// handed.
type groupsRun struct {
	shards                   []target.Shard
	topic                    string
	queues                   int
	since                    time.Time
	h                        *history.History
	clustering, broadcasting string
	scopes                   []string // the clustering group's, and each broadcasting member's
	got                      consumed
}

func consumerGroups(ctx context.Context, t *T) {
	r := sharedGroups.of(ctx, t)
	h, by := judgeConsumed(t, r.h, &r.got, r.shards, r.clustering)
	j := &consumerJudge{t: t, h: h, topic: r.topic, queues: r.queues, shards: r.shards, since: r.since, lost: clauseNotLost}
	for _, sc := range r.scopes {
		j.undelivered, j.twice = cgBroadcastAll, cgBroadcastOnce
		if sc == r.clustering {
			j.undelivered, j.twice = cgClusterOnce, cgClusterOnce
		}
		j.judge(ctx, sc)
	}
	r.judgeSplit(t, queuesOf(by["clu-1"]), queuesOf(by["clu-2"]))
}

// queuesOf lists the queues ds came from.
func queuesOf(ds []delivery) map[string]bool {
	out := map[string]bool{}
	for _, d := range ds {
		out[d.shard+"/"+strconv.Itoa(d.queue)] = true
	}
	return out
}

// judgeSplit checks the clustering members split the queues: each
// consumed some, none the same.
func (r *groupsRun) judgeSplit(t *T, a, b map[string]bool) {
	t.Logf("clustering member clu-1 consumed %d queues, clu-2 %d of %d", len(a), len(b), len(r.shards)*r.queues)
	if len(a) == 0 || len(b) == 0 {
		t.Errorf(cgSplit, "the clustering group did not split: clu-1 consumed from %d queues, clu-2 from %d", len(a), len(b))
	}
	for q := range a {
		if b[q] {
			t.Errorf(cgClusterOnce, "queue %s was consumed by both clustering members", q)
		}
	}
}

// runConsumerGroups starts two members of each group, sends once every
// master lists them, and waits until every scope was handed every
// acknowledged message, or 30 s.
func runConsumerGroups(ctx context.Context, t *T) *groupsRun {
	clientlog.Start()
	r := &groupsRun{since: time.Now(), shards: awaitShards(ctx, t), topic: uniqueName("conformance-cg"), queues: 4, h: history.New(),
		clustering: uniqueName("conformance-cg-clu"), broadcasting: uniqueName("conformance-cg-bro")}
	createTopic(ctx, t, r.topic, r.queues)
	r.startMembers(ctx, t)
	awaitMembers(ctx, t, r.shards, r.clustering, r.broadcasting)
	p := clientProducer(ctx, t)
	n := 0
	for round := 0; round < 10; round++ {
		for _, s := range r.shards {
			for q := 0; q < r.queues; q++ {
				key := fmt.Sprintf("%s-%d", r.topic, n)
				load.Send(ctx, p, r.h, key, load.QueueMessage(r.topic, s.Name, q, key, []byte(key)))
				n++
			}
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(dctx, 100*time.Millisecond, "every group to receive every acked message", func(context.Context) (bool, string, error) {
		for _, sc := range r.scopes {
			if rep := r.h.Check(sc); len(rep.Lost) > 0 {
				return false, sc + ": " + rep.Progress(), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Logf("%v", err)
	}
	return r
}

// startMembers starts clu-1 and clu-2 in the clustering group and bro-1
// and bro-2 in the broadcasting one, where each member is a scope of its
// own: each must see everything.
func (r *groupsRun) startMembers(ctx context.Context, t *T) {
	members := map[string][]string{r.clustering: {"clu-1", "clu-2"}, r.broadcasting: {"bro-1", "bro-2"}}
	for _, group := range []string{r.clustering, r.broadcasting} {
		for _, member := range members[group] {
			scope := group
			var opts []consumer.Option
			if group == r.broadcasting {
				scope = group + "/" + member
				opts = append(opts, consumer.WithConsumerModel(consumer.BroadCasting))
				r.scopes = append(r.scopes, scope)
			}
			c := pushConsumer(ctx, t, group, opts...)
			if err := c.Subscribe(r.topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}, r.got.recorder(r.h, scope, member)); err != nil {
				t.Erroredf("subscribe %s: %v", member, err)
			}
			if err := c.Start(); err != nil {
				t.Erroredf("start %s: %v", member, err)
			}
		}
	}
	r.scopes = append(r.scopes, r.clustering)
}

// awaitMembers waits until every master lists both members of each group,
// so that the split is measured on settled groups; groups that do not
// settle leave the case not judged.
func awaitMembers(ctx context.Context, t *T, shards []target.Shard, groups ...string) {
	rc := adminOf(t)
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(mctx, 200*time.Millisecond, "every master to list both members of each group", func(ctx context.Context) (bool, string, error) {
		for _, s := range shards {
			for _, g := range groups {
				ids, err := rc.ConsumerList(ctx, s.Master().Addr, g)
				if err != nil || len(ids) != 2 {
					return false, fmt.Sprintf("%s lists %d members of %s (%v)", s.Master().Pod, len(ids), g, err), nil
				}
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Erroredf("not judged: the groups did not settle before the sends: %v", err)
	}
}

// sharedGroups is the consumer groups run, shared by the cases that judge it.
var sharedGroups = sharedFault[*groupsRun]{name: "consumer groups", perform: runConsumerGroups, alongside: true}
