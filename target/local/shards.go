package local

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// ScaleShards implements target.Operator as KubeBlocks 1.0.2 scales the
// broker sharding: a scale-out starts a shard with a new random name and
// the sharding's replicas, through the addon's first boot (1.0.2 copies
// no topic to it); a scale-in removes the shard whose name sorts last,
// as its pods' deletion does (each broker unregisters as it shuts down),
// and drains nothing first (the addon's shardRemove action is on main
// only).
func (c *Cluster) ScaleShards(ctx context.Context, delta int) (target.Operation, error) {
	op := target.Operation{Name: fmt.Sprintf("scaling of the broker shards by %+d (local, as KubeBlocks picks the shards)", delta), Component: target.ComponentBroker, Start: time.Now()}
	if delta != 1 && delta != -1 {
		return op, fmt.Errorf("shard scaling by %d: the local target adds or removes one shard at a time", delta)
	}
	for _, b := range c.brokers() {
		op.Pods = append(op.Pods, b.proc.name)
	}
	var err error
	if delta > 0 {
		err = c.addShard(ctx, &op)
	} else {
		err = c.removeShard()
	}
	return c.brokersAfter(ended(op, err)), nil
}

// addShard lays out and starts a new shard: masters first, then slaves,
// as boot does; in DLedger mode all members at once, until a leader.
func (c *Cluster) addShard(ctx context.Context, op *target.Operation) error {
	shards := c.shardList()
	taken := map[string]bool{}
	for _, s := range shards {
		taken[s.name] = true
	}
	name := shardName(taken)
	pp := c.ports
	var ids []BrokerIdentity
	for o := range len(shards[0].brokers) {
		first, err := pp.take(brokerBlock, fmt.Sprintf("broker %s-%s-%d", c.manifest.Name, name, o))
		if err != nil {
			pp.release()
			return err
		}
		ids = append(ids, BrokerIdentity{Cluster: c.manifest.Name, Shard: name, Ordinal: o, Port: first + 2})
	}
	var brokers []*broker
	for _, id := range ids {
		id.Peers = dLegerPeers(ids)
		pod := fmt.Sprintf("%s-%s-%d", c.manifest.Name, name, id.Ordinal)
		b, err := c.brokerProcess(pod, id)
		if err != nil {
			pp.release()
			return fmt.Errorf("write broker %s: %w", pod, err)
		}
		brokers = append(brokers, b)
	}
	pp.release()
	if c.manifest.Mode().DLedger {
		if err := c.startJoined(ctx, op, brokers); err != nil {
			return err
		}
		return c.awaitLeaders(ctx)
	}
	if err := c.startJoined(ctx, op, brokers[:1]); err != nil {
		return err
	}
	return c.startJoined(ctx, op, brokers[1:])
}

// removeShard stops every broker of the shard whose name sorts last, and
// forgets the shard.
func (c *Cluster) removeShard() error {
	shards := c.shardList()
	if len(shards) < 2 {
		return fmt.Errorf("scale-in: %d shard, the last is never removed", len(shards))
	}
	last := slices.MaxFunc(shards, func(a, b *shard) int { return strings.Compare(a.name, b.name) })
	c.mu.Lock()
	c.shards = slices.DeleteFunc(c.shards, func(s *shard) bool { return s.name == last.name })
	c.mu.Unlock()
	return stopAll(last.brokers)
}

// ExpandVolumes implements target.Operator: the local target's stores are
// folders on the host's file system, with no volume to grow.
func (c *Cluster) ExpandVolumes(ctx context.Context, component, by string) (target.Operation, error) {
	return target.Operation{Component: component}, target.Cannotf(verdict.Operations, "the local target's broker stores are folders on the host, with no volume to expand")
}
