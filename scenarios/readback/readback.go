// Package readback reads back what brokers store, master or slave, with
// the remoting client: it waits, with a deadline, until a broker covers
// the offsets that were acknowledged on it, then pulls every message of
// the topic's queues as the broker serves them. It judges nothing: the
// cases turn what it read into deliveries and judge them.
package readback

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
)

// CoverLimit bounds how long a read-back waits for a broker to show what
// was acknowledged. Consume-queue dispatch and replication take
// milliseconds on an idle machine; the bound is for a loaded one, and only
// once it has passed may anything be called missing.
const CoverLimit = 30 * time.Second

// QueueReport is what a broker reported for one queue of a read-back.
type QueueReport struct {
	Want int64 // the highest offset it had to cover (acknowledged, or the master's last)
	Max  int64 // the max offset it reported last (the next offset to be written)
}

// Shard is a read-back of one shard's queues from one broker: what
// the broker served, as it served it. A judgement turns it into
// deliveries (deliver), through the tests' read plant.
type Shard struct {
	Broker  target.Broker
	Waited  time.Duration // until the broker covered want, or until the deadline
	Covered bool
	Queues  map[int]QueueReport
	Msgs    map[int][]remoting.Message // by queue
	Err     error                      // the read itself failed
}

// AwaitCovered waits, up to CoverLimit, until b reports for every queue in
// want a max offset above the offset wanted there: the broker has
// dispatched (or replicated) everything it must hold. It never fails the
// case: what is missing after the deadline is judged from the read that
// follows, with what the broker reported.
func AwaitCovered(ctx context.Context, rc *remoting.Client, b target.Broker, topic string, want map[int]int64) *Shard {
	r := &Shard{Broker: b, Queues: map[int]QueueReport{}, Msgs: map[int][]remoting.Message{}}
	for q, w := range want {
		r.Queues[q] = QueueReport{Want: w, Max: -1}
	}
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, CoverLimit)
	defer cancel()
	err := wait.Until(wctx, 20*time.Millisecond, b.Pod+" to cover the acknowledged offsets of "+topic, func(ctx context.Context) (bool, string, error) {
		var failed []string
		for q, qr := range r.Queues {
			if qr.Max > qr.Want {
				continue
			}
			max, err := rc.MaxOffset(ctx, b.Addr, topic, q)
			if err != nil {
				failed = append(failed, fmt.Sprintf("queue %d: %v", q, err))
				continue
			}
			qr.Max = max
			r.Queues[q] = qr
		}
		sort.Strings(failed)
		if behind := r.Behind(); behind != "" {
			failed = append(failed, behind)
		}
		return len(failed) == 0, strings.Join(failed, ", "), nil
	})
	r.Waited, r.Covered = time.Since(start), err == nil
	return r
}

// Behind says which queues r's broker had not covered when its wait
// ended, and how far it was: "queue 0 at 25 of 51".
func (r *Shard) Behind() string {
	var out []string
	for q, qr := range r.Queues {
		if qr.Max <= qr.Want {
			out = append(out, fmt.Sprintf("queue %d at %d of %d", q, qr.Max, qr.Want+1))
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Read reads every queue of topic on one broker per shard, once each
// broker covers what h acknowledged on its shard, and returns the reads,
// keyed by shard, for the judgement and the
// evidence of anything missing.
func Read(ctx context.Context, rc *remoting.Client, h *history.History, from []target.Broker, topic string, queues int) map[string]*Shard {
	reads := map[string]*Shard{}
	for _, b := range from {
		want := map[int]int64{}
		for q := 0; q < queues; q++ {
			want[q] = -1
		}
		for q, off := range h.HighestAcked(b.Shard) {
			want[q] = off
		}
		r := AwaitCovered(ctx, rc, b, topic, want)
		r.Err = r.Pull(ctx, rc, topic, queues)
		reads[b.Shard] = r
	}
	return reads
}

// ReaderGroup is the consumer group direct reads pull as: TOOLS_CONSUMER,
// the group RocketMQ's own mqadmin reads messages with, which every 4.9
// broker, master or slave, creates at start. A group of the suite's own
// would not exist on a broker with autoCreateSubscriptionGroup=false, and
// the read-back that must tell undelivered from lost would itself be
// refused. The pull commits no offset, so the group's state is untouched.
const ReaderGroup = "TOOLS_CONSUMER"

// Queue pulls every message of one queue from a broker, master or
// slave, from offset 0 up to its max offset, with the remoting client: it
// reads exactly what that broker stores, with no consumer group,
// rebalance or offset commit in the way.
func Queue(ctx context.Context, rc *remoting.Client, addr, topic string, queue int) ([]remoting.Message, error) {
	max, err := rc.MaxOffset(ctx, addr, topic, queue)
	if err != nil {
		return nil, fmt.Errorf("max offset of %s queue %d at %s: %w", topic, queue, addr, err)
	}
	var out []remoting.Message
	for off := int64(0); off < max; {
		res, err := rc.Pull(ctx, addr, remoting.PullRequest{Group: ReaderGroup, Topic: topic, QueueID: queue, Offset: off, MaxMsgs: 32})
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

// Pull reads every queue of topic on r's broker into r, as served.
func (r *Shard) Pull(ctx context.Context, rc *remoting.Client, topic string, queues int) error {
	for q := 0; q < queues; q++ {
		msgs, err := Queue(ctx, rc, r.Broker.Addr, topic, q)
		r.Msgs[q] = msgs
		if err != nil {
			return err
		}
	}
	return nil
}
