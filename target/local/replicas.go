package local

import (
	"context"
	"fmt"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// scaleReplicas adds (delta 1) or removes (delta -1) one broker in every
// shard, as KubeBlocks 1.0.2 scales the sharding's template: a new pod
// gets the next ordinal, which the addon's broker-setup.sh makes its
// brokerId and a SLAVE; a scale-in removes the highest ordinal. The
// record's Members are the brokers after, at their addresses.
func (c *Cluster) scaleReplicas(ctx context.Context, delta int) (target.Operation, error) {
	op := target.Operation{Name: fmt.Sprintf("horizontal scaling of the broker replicas by %+d (local, as KubeBlocks scales the sharding)", delta), Component: target.ComponentBroker, Start: time.Now()}
	if delta != 1 && delta != -1 {
		return op, fmt.Errorf("horizontal scaling of the broker replicas by %d: the local target adds or removes one per shard at a time", delta)
	}
	if c.manifest.Mode().DLedger {
		return op, target.Cannotf(verdict.Operations, "a DLedger group's peers are fixed at its first boot (dLegerPeers); a replica added later joins no group")
	}
	for _, b := range c.brokers() {
		op.Pods = append(op.Pods, b.proc.name)
	}
	var err error
	if delta > 0 {
		err = c.addReplicas(ctx, &op)
	} else {
		err = c.removeReplicas()
	}
	return c.brokersAfter(ended(op, err)), nil
}

// ended closes a scaling's record: Succeed unless err or evidence says
// otherwise.
func ended(op target.Operation, err error) target.Operation {
	if err != nil {
		op.Evidence = append(op.Evidence, err.Error())
	}
	op.End, op.Phase = time.Now(), target.OpSucceeded
	if len(op.Evidence) > 0 {
		op.Phase = "Failed"
	}
	return op
}

// brokersAfter records the brokers and shards there are as op's Members
// and Shards.
func (c *Cluster) brokersAfter(op target.Operation) target.Operation {
	op.Members = map[string]string{}
	for _, b := range c.brokers() {
		op.Members[b.proc.name] = b.addr
	}
	for _, s := range c.shardList() {
		op.Shards = append(op.Shards, s.name)
	}
	return op
}

// addReplicas starts the next ordinal of every shard and waits until each
// is registered in every namesrv.
func (c *Cluster) addReplicas(ctx context.Context, op *target.Operation) error {
	pp := c.ports
	var added []*broker
	for _, s := range c.shardList() {
		pod := fmt.Sprintf("%s-%s-%d", c.manifest.Name, s.name, len(s.brokers))
		first, err := pp.take(brokerBlock, "broker "+pod)
		if err != nil {
			pp.release()
			return err
		}
		b, err := c.brokerProcess(pod, BrokerIdentity{Cluster: c.manifest.Name, Shard: s.name, Ordinal: len(s.brokers), Port: first + 2})
		if err != nil {
			pp.release()
			return fmt.Errorf("write broker %s: %w", pod, err)
		}
		added = append(added, b)
	}
	pp.release()
	return c.startJoined(ctx, op, added)
}

// startJoined starts brokers, joins each to its shard (creating the shard
// when it is new), and waits until every one is registered.
func (c *Cluster) startJoined(ctx context.Context, op *target.Operation, brokers []*broker) error {
	for _, b := range brokers {
		if err := b.proc.start(); err != nil {
			return err
		}
		c.join(b)
	}
	for _, b := range brokers {
		if err := c.awaitRegistered(ctx, b); err != nil {
			return err
		}
		op.Incarnations = append(op.Incarnations, target.Incarnation{Pod: b.proc.name, Started: b.proc.lastStart(), Ready: time.Now()})
	}
	return nil
}

// join adds b to its shard, or a new shard named for it.
func (c *Cluster) join(b *broker) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.shards {
		if s.name == b.id.Shard {
			s.brokers = append(s.brokers, b)
			return
		}
	}
	c.shards = append(c.shards, &shard{name: b.id.Shard, brokers: []*broker{b}})
}

// removeReplicas stops the highest ordinal of every shard, as a pod
// deletion does (the broker unregisters as it shuts down), and forgets it.
func (c *Cluster) removeReplicas() error {
	var leaving []*broker
	c.mu.Lock()
	for _, s := range c.shards {
		if len(s.brokers) < 2 {
			c.mu.Unlock()
			return fmt.Errorf("scale-in: shard %s has %d broker, its master is never removed", s.name, len(s.brokers))
		}
	}
	for _, s := range c.shards {
		leaving = append(leaving, s.brokers[len(s.brokers)-1])
		s.brokers = s.brokers[:len(s.brokers)-1]
	}
	c.mu.Unlock()
	return stopAll(leaving)
}

// stopAll stops brokers, each within the termination grace.
func stopAll(brokers []*broker) error {
	for _, b := range brokers {
		if err := b.proc.stop(terminationGrace); err != nil {
			return err
		}
	}
	return nil
}
