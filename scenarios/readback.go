package scenarios

import (
	"context"
	"fmt"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
)

// readQueue pulls every message of one queue from a broker, master or
// slave, from offset 0 up to its max offset, with the remoting client: it
// reads exactly what that broker stores, with no consumer group, rebalance
// or offset commit in the way.
func (t *T) readQueue(ctx context.Context, addr, topic string, queue int) ([]remoting.Message, error) {
	rc := t.admin()
	max, err := rc.MaxOffset(ctx, addr, topic, queue)
	if err != nil {
		return nil, fmt.Errorf("max offset of %s queue %d at %s: %w", topic, queue, addr, err)
	}
	var out []remoting.Message
	group := uniqueName("conformance-reader")
	for off := int64(0); off < max; {
		res, err := rc.Pull(ctx, addr, remoting.PullRequest{Group: group, Topic: topic, QueueID: queue, Offset: off, MaxMsgs: 32})
		if err != nil {
			return out, fmt.Errorf("pull %s queue %d offset %d at %s: %w", topic, queue, off, addr, err)
		}
		if res.Status != remoting.Found || len(res.Messages) == 0 {
			return out, fmt.Errorf("pull %s queue %d offset %d at %s: %s before max offset %d", topic, queue, off, addr, res.Status, max)
		}
		out = append(out, res.Messages...)
		off = res.NextBeginOffset
	}
	return out, nil
}

// readShard reads every queue of topic on one broker into the history as
// deliveries to consumer.
func (t *T) readShard(ctx context.Context, h *history.History, consumer string, b Broker, topic string, queues int) error {
	for q := 0; q < queues; q++ {
		msgs, err := t.readQueue(ctx, b.Addr, topic, q)
		for _, m := range msgs {
			h.Deliver(consumer, m.Keys(), b.Shard, m.QueueID, m.QueueOffset)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
