package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/verdict"
)

// deliverTo records what reads served into h as deliveries to scope,
// passing each queue's messages through the tests' read plant.
func deliverTo(t *T, h *history.History, scope string, reads map[string]*readback.Shard) {
	for _, shard := range slices.Sorted(maps.Keys(reads)) {
		r := reads[shard]
		for _, q := range slices.Sorted(maps.Keys(r.Msgs)) {
			for _, m := range t.plants.read(r.Broker.Addr, r.Msgs[q]) {
				h.Deliver(scope, m.Keys(), r.Broker.Shard, m.QueueID, m.QueueOffset)
			}
		}
	}
}

// judgeReads reports, for the case t, the longest wait of a read-back as
// figure and fails clause c for every read that failed: what a broker
// would not serve is what the clause cannot find.
func judgeReads(t *T, c verdict.Clause, reads map[string]*readback.Shard, figure string) {
	var longest time.Duration
	for _, s := range slices.Sorted(maps.Keys(reads)) {
		r := reads[s]
		longest = max(longest, r.Waited)
		if r.Err != nil {
			t.Errorf(c, "read back shard %s from %s: %v", s, r.Broker.Pod, r.Err)
		}
	}
	t.Figure(figure, float64(longest.Milliseconds()), "ms")
}

// readQueue pulls every message of one queue from a broker, master or
// slave, from offset 0 up to its max offset, with the remoting client: it
// reads exactly what that broker stores, with no consumer group, rebalance
// or offset commit in the way. What it returns passes through the tests'
// read plant.
func readQueue(ctx context.Context, t *T, addr, topic string, queue int) ([]remoting.Message, error) {
	msgs, err := readback.Queue(ctx, adminOf(t), addr, topic, queue)
	return t.plants.read(addr, msgs), err
}

// reportLost adds a line of evidence for every lost message: its key,
// where it was acknowledged, and what the broker read reported for that
// queue, so a reader can tell a dispatch that never came from a message
// that vanished.
func reportLost(t *T, rep history.Report, reads map[string]*readback.Shard) {
	for _, op := range rep.LostAcks {
		line := fmt.Sprintf("lost %s: acknowledged at %s queue %d offset %d", op.ID, op.Shard, op.Queue, op.Offset)
		if r, ok := reads[op.Shard]; ok {
			qr := r.Queues[op.Queue]
			line += fmt.Sprintf("; %s reported max offset %d for that queue after waiting %s", r.Broker.Pod, qr.Max, r.Waited.Round(time.Millisecond))
			if !r.Covered {
				line += " (it never covered the acknowledged offsets)"
			}
		}
		t.Logf("%s", line)
	}
}
