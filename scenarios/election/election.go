// Package election observes who leads a shard: the broker every namesrv
// lists at brokerId 0, a new leader after the old one was killed, and
// whether a platform's role labels agree with the registered leader. It
// judges nothing: it returns what it saw, and the cases judge it.
package election

import (
	"context"
	"fmt"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/namesrv"
	"github.com/rmqkb/conformance/target"
)

// Limit bounds how long a Raft group may take to elect a new leader and
// have it registered in every namesrv. RocketMQ's maintainers verified
// DLedger failover within 10 s (apache/rocketmq#3482); a busy machine gets
// three times that.
const Limit = 30 * time.Second

// LabelSettle bounds how long a platform's role labels may take to agree
// with a new leader: the addon's role probe runs every 5 s, and a label
// counts once it held still for two periods; a busy machine gets a margin.
const LabelSettle = 30 * time.Second

// AwaitLeader waits until every namesrv lists a member of shard other
// than old at brokerId 0, and returns it. It waits for up to limit; the
// cases give it more than Limit, so that a late election is measured
// rather than cut off.
func AwaitLeader(ctx context.Context, tgt target.Target, n namesrv.View, shard string, old target.Broker, limit time.Duration) (target.Broker, error) {
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var leader target.Broker
	err := wait.Until(wctx, 50*time.Millisecond, "shard "+shard+" to elect a leader other than "+old.Pod, func(ctx context.Context) (bool, string, error) {
		s, err := ShardOf(ctx, tgt, shard)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		addrs, err := n.Registered(ctx, shard)
		switch {
		case err != nil:
			return false, wait.Reason(err), nil
		case len(addrs) != 1:
			return false, fmt.Sprintf("the namesrvs list %d brokers at brokerId 0", len(addrs)), nil
		}
		for _, b := range s.Brokers {
			if b.Addr == addrs[0] && b.Pod != old.Pod {
				leader = b
				return true, "", nil
			}
		}
		return false, "no survivor leads yet", nil
	})
	return leader, err
}

// ShardOf reads shard name from the target; a shard the target does not
// list comes back with no brokers.
func ShardOf(ctx context.Context, tgt target.Target, name string) (target.Shard, error) {
	shards, err := tgt.Shards(ctx)
	if err != nil {
		return target.Shard{Name: name, Leader: -1}, err
	}
	for _, s := range shards {
		if s.Name == name {
			return s, nil
		}
	}
	return target.Shard{Name: name, Leader: -1}, nil
}

// Survivors names the members of s but victim.
func Survivors(s target.Shard, victim target.Broker) []string {
	var out []string
	for _, b := range s.Brokers {
		if b.Pod != victim.Pod {
			out = append(out, b.Pod)
		}
	}
	return out
}
