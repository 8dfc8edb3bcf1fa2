package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// coverLimit bounds how long a read-back waits for a broker to show what
// was acknowledged. Consume-queue dispatch and replication take
// milliseconds on an idle machine; the bound is for a loaded one, and only
// once it has passed may anything be called missing.
const coverLimit = 30 * time.Second

// queueReport is what a broker reported for one queue of a read-back.
type queueReport struct {
	want int64 // the highest offset it had to cover (acknowledged, or the master's last)
	max  int64 // the max offset it reported last (the next offset to be written)
}

// shardRead is a read-back of one shard's queues from one broker: what
// the broker served, as it served it. A judgement turns it into
// deliveries (deliver), through the tests' read plant.
type shardRead struct {
	broker  target.Broker
	waited  time.Duration // until the broker covered want, or until the deadline
	covered bool
	queues  map[int]queueReport
	msgs    map[int][]remoting.Message // by queue
	err     error                      // the read itself failed
}

// awaitCovered waits, up to coverLimit, until b reports for every queue in
// want a max offset above the offset wanted there: the broker has
// dispatched (or replicated) everything it must hold. It never fails the
// case: what is missing after the deadline is judged from the read that
// follows, with what the broker reported.
func awaitCovered(t *T, ctx context.Context, b target.Broker, topic string, want map[int]int64) *shardRead {
	r := &shardRead{broker: b, queues: map[int]queueReport{}, msgs: map[int][]remoting.Message{}}
	for q, w := range want {
		r.queues[q] = queueReport{want: w, max: -1}
	}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, coverLimit)
	defer cancel()
	rc := adminOf(t)
	err := wait.Until(wctx, 20*time.Millisecond, b.Pod+" to cover the acknowledged offsets of "+topic, func(ctx context.Context) (bool, string, error) {
		var behind []string
		for q, qr := range r.queues {
			if qr.max > qr.want {
				continue
			}
			max, err := rc.MaxOffset(ctx, b.Addr, topic, q)
			if err != nil {
				behind = append(behind, fmt.Sprintf("queue %d: %v", q, err))
				continue
			}
			qr.max = max
			r.queues[q] = qr
			if max <= qr.want {
				behind = append(behind, fmt.Sprintf("queue %d at %d of %d", q, max, qr.want+1))
			}
		}
		sort.Strings(behind)
		return len(behind) == 0, strings.Join(behind, ", "), nil
	})
	r.waited, r.covered = time.Since(start), err == nil
	return r
}

// readBack reads every queue of topic on one broker per shard, once each
// broker covers what h acknowledged on its shard, and returns the reads,
// keyed by shard, for the judgement (deliver, judgeReads) and the
// evidence of anything missing.
func readBack(t *T, ctx context.Context, h *history.History, from []target.Broker, topic string, queues int) map[string]*shardRead {
	reads := map[string]*shardRead{}
	for _, b := range from {
		want := map[int]int64{}
		for q := 0; q < queues; q++ {
			want[q] = -1
		}
		for q, off := range h.HighestAcked(b.Shard) {
			want[q] = off
		}
		r := awaitCovered(t, ctx, b, topic, want)
		r.err = readShard(t, ctx, r, topic, queues)
		reads[b.Shard] = r
	}
	return reads
}

// deliverTo records what reads served into h as deliveries to scope,
// passing each queue's messages through the tests' read plant.
func deliverTo(t *T, h *history.History, scope string, reads map[string]*shardRead) {
	for _, shard := range slices.Sorted(maps.Keys(reads)) {
		r := reads[shard]
		for _, q := range slices.Sorted(maps.Keys(r.msgs)) {
			for _, m := range t.plants.read(r.broker.Addr, r.msgs[q]) {
				h.Deliver(scope, m.Keys(), r.broker.Shard, m.QueueID, m.QueueOffset)
			}
		}
	}
}

// judgeReads reports, for the case t, the longest wait of a read-back as
// figure and fails clause c for every read that failed: what a broker
// would not serve is what the clause cannot find.
func judgeReads(t *T, c verdict.Clause, reads map[string]*shardRead, figure string) {
	var longest time.Duration
	for _, s := range slices.Sorted(maps.Keys(reads)) {
		r := reads[s]
		longest = max(longest, r.waited)
		if r.err != nil {
			t.Errorf(c, "read back shard %s from %s: %v", s, r.broker.Pod, r.err)
		}
	}
	t.Figure(figure, float64(longest.Milliseconds()), "ms")
}

// readerGroup is the consumer group direct reads pull as: TOOLS_CONSUMER,
// the group RocketMQ's own mqadmin reads messages with, which every 4.9
// broker, master or slave, creates at start. A group of the suite's own
// would not exist on a broker with autoCreateSubscriptionGroup=false, and
// the read-back that must tell undelivered from lost would itself be
// refused. The pull commits no offset, so the group's state is untouched.
const readerGroup = "TOOLS_CONSUMER"

// readQueue pulls every message of one queue from a broker, master or
// slave, from offset 0 up to its max offset, with the remoting client: it
// reads exactly what that broker stores, with no consumer group, rebalance
// or offset commit in the way. What it returns passes through the tests'
// read plant.
func readQueue(t *T, ctx context.Context, addr, topic string, queue int) ([]remoting.Message, error) {
	msgs, err := readQueueAsServed(t, ctx, addr, topic, queue)
	return t.plants.read(addr, msgs), err
}

// readQueueAsServed is readQueue without the plant: for a record that is
// judged later, and maybe more than once.
func readQueueAsServed(t *T, ctx context.Context, addr, topic string, queue int) ([]remoting.Message, error) {
	rc := adminOf(t)
	max, err := rc.MaxOffset(ctx, addr, topic, queue)
	if err != nil {
		return nil, fmt.Errorf("max offset of %s queue %d at %s: %w", topic, queue, addr, err)
	}
	var out []remoting.Message
	for off := int64(0); off < max; {
		res, err := rc.Pull(ctx, addr, remoting.PullRequest{Group: readerGroup, Topic: topic, QueueID: queue, Offset: off, MaxMsgs: 32})
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

// readShard reads every queue of topic on r's broker into r, as served.
func readShard(t *T, ctx context.Context, r *shardRead, topic string, queues int) error {
	for q := 0; q < queues; q++ {
		msgs, err := readQueueAsServed(t, ctx, r.broker.Addr, topic, q)
		r.msgs[q] = msgs
		if err != nil {
			return err
		}
	}
	return nil
}

// reportLost adds a line of evidence for every lost message: its key,
// where it was acknowledged, and what the broker read reported for that
// queue, so a reader can tell a dispatch that never came from a message
// that vanished.
func reportLost(t *T, rep history.Report, reads map[string]*shardRead) {
	for _, op := range rep.LostAcks {
		line := fmt.Sprintf("lost %s: acknowledged at %s queue %d offset %d", op.ID, op.Shard, op.Queue, op.Offset)
		if r, ok := reads[op.Shard]; ok {
			qr := r.queues[op.Queue]
			line += fmt.Sprintf("; %s reported max offset %d for that queue after waiting %s", r.broker.Pod, qr.max, r.waited.Round(time.Millisecond))
			if !r.covered {
				line += " (it never covered the acknowledged offsets)"
			}
		}
		t.Logf("%s", line)
	}
}
