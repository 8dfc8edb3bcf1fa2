package scenarios

import (
	"bytes"
	"context"
	"crypto/sha256"
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

// The clauses of messaging/round-trip.
var (
	rtDelivered = verdict.Clause{ID: "delivered", Text: "every acknowledged message is delivered"}
	rtOnce      = verdict.Clause{ID: "once", Text: "each message is delivered once"}
	rtIntact    = verdict.Clause{ID: "intact", Text: "keys, tag and body arrive intact"}
	rtProps     = verdict.Clause{ID: "properties", Text: "user properties arrive intact"}
	rtOrder     = verdict.Clause{ID: "order", Text: "each queue is delivered in send order"}
	rtTagOnly   = verdict.Clause{ID: "tag-only", Text: "a tag subscription receives only its tag"}
	rtTagAll    = verdict.Clause{ID: "tag-all", Text: "a tag subscription receives all of its tag"}
)

// roundTripCase is messaging/round-trip; messaging.go registers it in the
// suite's order.
var roundTripCase = Case{Case: verdict.Case{
	Suite: "messaging", Name: "round-trip",
	Promise: "Every send to every queue of every shard is acknowledged, and every acknowledged message is delivered exactly once to a consumer group, with its keys, tag, user properties and body intact and, within each queue, in send order; a tag subscription receives exactly its tag.",
	Description: "Sends to every queue of every shard with rocketmq-client-go; an orderly consumer subscribes to all tags and a second group to TagA only. " +
		"Verdicts come from the send/delivery history. A message the consumer never received is read back from the masters: " +
		"held there, it is reported undelivered with the client's errors; held nowhere, it is lost.",
	Clauses: []verdict.Clause{clauseBrokers, clauseSent, clauseNotLost, rtDelivered, rtOnce, rtIntact, rtProps, rtOrder, rtTagOnly, rtTagAll},
	Needs:   []verdict.Capability{verdict.Messaging},
	Timeout: 120 * time.Second,
}, Run: roundTrip, Shares: sharedRoundTrip}

// roundTripRun is the record of messaging/round-trip: what was sent, and
// what its two consumer groups were handed.
type roundTripRun struct {
	shards             []target.Shard
	topic              string
	queues             int
	since              time.Time // the client errors quoted are those logged after it
	h                  *history.History
	sent               map[string]sentMsg
	allGroup, tagGroup string
	got                consumed
}

func roundTrip(ctx context.Context, t *T) {
	r := sharedRoundTrip.of(ctx, t)
	h, by := judgeConsumed(t, r.h, &r.got, r.shards, r.allGroup)
	j := &consumerJudge{t: t, h: h, topic: r.topic, queues: r.queues, shards: r.shards, since: r.since,
		lost: clauseNotLost, undelivered: rtDelivered, twice: rtOnce}
	j.judge(ctx, r.allGroup)
	r.judgeContent(t, by["all-tags"])
	r.judgeOrder(t, by["all-tags"])
	r.judgeTag(t, by["TagA"])
}

// runRoundTrip sends to every queue of every shard, then consumes with an
// orderly all-tags group and a TagA group until both were handed every
// acknowledged message they subscribe to, or 30 s.
func runRoundTrip(ctx context.Context, t *T) *roundTripRun {
	clientlog.Start()
	r := &roundTripRun{since: time.Now(), shards: awaitShards(ctx, t), topic: uniqueName("conformance-rt"), queues: 4, h: history.New(), sent: map[string]sentMsg{}}
	createTopic(ctx, t, r.topic, r.queues)
	r.send(ctx, t, 10)
	r.allGroup, r.tagGroup = uniqueName("conformance-rt-all"), uniqueName("conformance-rt-taga")
	cAll := pushConsumer(ctx, t, r.allGroup, consumer.WithConsumerOrder(true))
	if err := cAll.Subscribe(r.topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}, r.got.recorder(r.h, r.allGroup, "all-tags")); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	cA := pushConsumer(ctx, t, r.tagGroup)
	if err := cA.Subscribe(r.topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "TagA"}, r.got.recorder(r.h, r.tagGroup, "TagA")); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	start := time.Now()
	for _, c := range []interface{ Start() error }{cAll, cA} {
		if err := c.Start(); err != nil {
			t.Erroredf("start a consumer: %v", err)
		}
	}
	wantA := len(r.wantA())
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(dctx, 100*time.Millisecond, "every acked message delivered", func(context.Context) (bool, string, error) {
		ra, rt := r.h.Check(r.allGroup), r.h.Check(r.tagGroup)
		return len(ra.Lost) == 0 && rt.Delivered >= wantA,
			fmt.Sprintf("all-tags group: %s; TagA group received %d of %d", ra.Progress(), rt.Delivered, wantA), nil
	})
	t.Figure("delivery_all", float64(time.Since(start).Milliseconds()), "ms")
	if err != nil {
		t.Logf("%v", err)
	}
	return r
}

// send sends perQueue messages to every queue of every shard, alternating
// tags TagA and TagB, each with its keys, user properties and a body of
// its own.
func (r *roundTripRun) send(ctx context.Context, t *T, perQueue int) {
	p := clientProducer(ctx, t)
	n := 0
	for seq := 0; seq < perQueue; seq++ {
		for _, s := range r.shards {
			for q := 0; q < r.queues; q++ {
				tag := []string{"TagA", "TagB"}[n%2]
				key := fmt.Sprintf("%s-%d", r.topic, n)
				body := []byte(fmt.Sprintf("round-trip %d to %s/%d: %x", n, s.Name, q, sha256.Sum256([]byte(key))))
				props := map[string]string{"conformance-seq": strconv.Itoa(seq), "conformance-case": "round-trip", "conformance-note": "ünïcode ✓"}
				msg := load.QueueMessage(r.topic, s.Name, q, key, body)
				for k, v := range props { // WithProperties would replace keys and tag
					msg.WithProperty(k, v)
				}
				msg.WithTag(tag)
				load.Send(ctx, p, r.h, key, msg)
				r.sent[key] = sentMsg{key: key, tag: tag, shard: s.Name, queue: q, seq: seq, body: body, props: props}
				n++
			}
		}
	}
	t.Logf("sent %d messages to %d shards x %d queues", n, len(r.shards), r.queues)
}

// wantA is the acknowledged TagA messages: what the TagA group must get.
func (r *roundTripRun) wantA() map[string]bool {
	out := map[string]bool{}
	for _, m := range r.sent {
		if m.tag == "TagA" && r.h.IsAcked(m.key) {
			out[m.key] = true
		}
	}
	return out
}

// judgeContent checks every delivery carries what was sent.
func (r *roundTripRun) judgeContent(t *T, all []delivery) {
	for _, d := range all {
		s, ok := r.sent[d.key]
		if !ok {
			continue // reported as unexpected by the checker
		}
		if d.tag != s.tag || !bytes.Equal(d.body, s.body) || d.shard != s.shard || d.queue != s.queue {
			t.Errorf(rtIntact, "message %s arrived changed: tag %q body %q at %s/%d; sent tag %q body %q to %s/%d", d.key, d.tag, d.body, d.shard, d.queue, s.tag, s.body, s.shard, s.queue)
		}
		for k, v := range s.props {
			if d.props[k] != v {
				t.Errorf(rtProps, "message %s: property %s=%q, sent %q", d.key, k, d.props[k], v)
			}
		}
	}
}

// judgeOrder checks an orderly consumer saw each queue in send order. A
// message delivered again is judged by the once clause; its first
// delivery is the one that counts for order.
func (r *roundTripRun) judgeOrder(t *T, all []delivery) {
	last := map[string]int{}
	ordered := map[string]bool{}
	for _, d := range all {
		s, ok := r.sent[d.key]
		if !ok || ordered[d.key] {
			continue
		}
		ordered[d.key] = true
		q := d.shard + "/" + strconv.Itoa(d.queue)
		if prev, seen := last[q]; seen && s.seq <= prev {
			t.Errorf(rtOrder, "queue %s delivered seq %d after seq %d: out of send order", q, s.seq, prev)
		}
		last[q] = s.seq
	}
	t.Logf("order checked on %d queues", len(last))
}

// judgeTag checks the TagA group got exactly the acknowledged TagA
// messages.
func (r *roundTripRun) judgeTag(t *T, onlyA []delivery) {
	wantA := r.wantA()
	gotA := map[string]int{}
	for _, d := range onlyA {
		if d.tag != "TagA" {
			t.Errorf(rtTagOnly, "the TagA subscription received %s with tag %q", d.key, d.tag)
		}
		gotA[d.key]++
	}
	var missingA, twiceA int
	for k := range wantA {
		switch {
		case gotA[k] == 0:
			missingA++
		case gotA[k] > 1:
			twiceA++
		}
	}
	if missingA > 0 || twiceA > 0 {
		t.Errorf(rtTagAll, "the TagA subscription missed %d of the %d acknowledged TagA messages and received %d more than once", missingA, len(wantA), twiceA)
	}
	t.Logf("TagA group %s received %d distinct messages; %d acknowledged TagA messages were sent", r.tagGroup, len(gotA), len(wantA))
}

// sharedRoundTrip is the round trip, shared by the cases that judge it.
var sharedRoundTrip = sharedFault[*roundTripRun]{name: "round trip", perform: runRoundTrip, alongside: true}
