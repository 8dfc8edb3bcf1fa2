package scenarios

import (
	"context"
	"sync"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
)

// consumed is what a case's consumers were handed, callback by callback,
// as they got them: a record. A judgement replays it (replay), so that a
// case judges one run of its consumers as many times as the tests plant
// another delivery fault, and a case that waits for deliveries waits for
// what the consumers were handed, not for what a plant let through.
type consumed struct {
	mu      sync.Mutex
	batches []batch
}

// batch is one callback's messages.
type batch struct {
	who   string // the member: all-tags, TagA, clu-1, bro-2, nsi, ...
	scope string // the history scope its deliveries count in
	msgs  []*primitive.MessageExt
}

// recorder returns the consumer callback of member who: it records every
// message it is handed, and records its delivery to scope in h.
func (c *consumed) recorder(h *history.History, scope, who string) func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
	return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.batches = append(c.batches, batch{who: who, scope: scope, msgs: msgs})
		for _, m := range msgs {
			d := deliveryOf(m)
			h.Deliver(scope, d.key, d.shard, d.queue, d.offset)
		}
		return consumer.ConsumeSuccess, nil
	}
}

// replay is what case t judges of h and the consumers' record: a copy of
// h with the tests' judge-time plant, whose consumer deliveries are those
// of the record passed through the tests' delivery plant; and each
// member's deliveries, in order, under the member the tests' attribution
// plant counts them for.
func replay(t *T, h *history.History, c *consumed) (*history.History, map[string][]delivery) {
	c.mu.Lock()
	batches := append([]batch(nil), c.batches...)
	c.mu.Unlock()
	scopes := map[string]bool{}
	for _, b := range batches {
		scopes[b.scope] = true
	}
	jh := judgedCopy(t, h)
	jh.Remove(func(op history.Op) bool { return op.Kind == history.Deliver && scopes[op.Consumer] })
	by := map[string][]delivery{}
	for _, b := range batches {
		for _, m := range t.plants.delivered(b.who, b.msgs) {
			d := deliveryOf(m)
			jh.Deliver(b.scope, d.key, d.shard, d.queue, d.offset)
			who := t.plants.attributed(b.who)
			by[who] = append(by[who], d)
		}
	}
	return jh, by
}

// judgeConsumed judges the sends of a consumer case's record h (every
// send acknowledged, some at all, as scope counts them) and returns its
// replay (replay).
func judgeConsumed(t *T, h *history.History, c *consumed, shards []target.Shard, scope string) (*history.History, map[string][]delivery) {
	sentThrough(t, h)
	failedSends(t, clauseSent, h, shards)
	if rep := h.Check(scope); rep.Acked == 0 {
		t.Fatalf(clauseSent, "no message was acknowledged: %s", rep)
	}
	return replay(t, h, c)
}
