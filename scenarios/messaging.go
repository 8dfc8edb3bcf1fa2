package scenarios

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
)

func init() {
	register(
		Case{
			Suite: "messaging", Name: "round-trip",
			Promise: "Every acknowledged message is delivered exactly once to a consumer group, with its keys, tag, user properties and body intact and, within each queue, in send order; a tag subscription receives exactly its tag.",
			Description: "Sends to every queue of every shard with rocketmq-client-go; an orderly consumer subscribes to all tags and a second group to TagA only. " +
				"Verdicts come from the send/delivery history.",
			Needs:   []Capability{Messaging},
			Timeout: 90 * time.Second,
			Run:     roundTrip,
		},
		Case{
			Suite: "messaging", Name: "consumer-groups",
			Promise:     "Members of a clustering consumer group split the queues, so each message reaches exactly one member; every member of a broadcasting group receives every message.",
			Description: "Two members per group; messages are sent once the brokers list both members of each group.",
			Needs:       []Capability{Messaging},
			Timeout:     90 * time.Second,
			Run:         consumerGroups,
		},
		Case{
			Suite: "messaging", Name: "message-size",
			Promise:     "A message whose body is exactly maxMessageSize (5242880 bytes, the addon's setting) is accepted and read back intact; one byte more is rejected by the broker and not stored.",
			Description: "RocketMQ 4.9 checks the body length against maxMessageSize. The producer's compression is off so the broker sees the bytes as sent.",
			Needs:       []Capability{Messaging},
			Run:         messageSize,
		},
	)
}

// sentMsg is what a case sent, to compare deliveries against.
type sentMsg struct {
	key, tag, shard string
	queue           int
	seq             int // order of sends within the queue
	body            []byte
	props           map[string]string
}

// delivery is one message a consumer callback saw.
type delivery struct {
	key, tag, shard string
	queue           int
	offset          int64
	body            []byte
	props           map[string]string
}

func deliveryOf(m *primitive.MessageExt) delivery {
	shard := ""
	queue := 0
	if m.Queue != nil {
		shard, queue = m.Queue.BrokerName, m.Queue.QueueId
	}
	return delivery{key: m.GetKeys(), tag: m.GetTags(), shard: shard, queue: queue, offset: m.QueueOffset, body: m.Body, props: m.GetProperties()}
}

func roundTrip(ctx context.Context, t *T) {
	shards := t.shards(ctx)
	topic := uniqueName("conformance-rt")
	const queues, perQueue = 4, 10
	t.createTopic(ctx, topic, queues)
	h := history.New()
	p := t.producer(ctx)

	sent := map[string]sentMsg{}
	n := 0
	for seq := 0; seq < perQueue; seq++ {
		for _, s := range shards {
			for q := 0; q < queues; q++ {
				tag := []string{"TagA", "TagB"}[n%2]
				key := fmt.Sprintf("%s-%d", topic, n)
				body := []byte(fmt.Sprintf("round-trip %d to %s/%d: %x", n, s.Name, q, sha256.Sum256([]byte(key))))
				props := map[string]string{"conformance-seq": strconv.Itoa(seq), "conformance-case": "round-trip", "conformance-note": "ünïcode ✓"}
				msg := primitive.NewMessage(topic, body)
				for k, v := range props { // WithProperties would replace keys and tag
					msg.WithProperty(k, v)
				}
				msg.WithTag(tag)
				msg.WithKeys([]string{key})
				msg.Queue = &primitive.MessageQueue{Topic: topic, BrokerName: s.Name, QueueId: q}
				h.Invoke(key, s.Name)
				res, err := p.SendSync(ctx, msg)
				if err != nil || res.Status != primitive.SendOK {
					h.Fail(key, s.Name, fmt.Errorf("%v %v", res, err))
					t.Errorf("send %s to %s/%d: %v %v", key, s.Name, q, res, err)
				} else {
					h.Ack(key, s.Name, res.MessageQueue.QueueId, res.QueueOffset)
				}
				sent[key] = sentMsg{key: key, tag: tag, shard: s.Name, queue: q, seq: seq, body: body, props: props}
				n++
			}
		}
	}
	t.Logf("sent %d messages to %d shards x %d queues", n, len(shards), queues)

	var mu sync.Mutex
	var all, onlyA []delivery
	allGroup, tagGroup := uniqueName("conformance-rt-all"), uniqueName("conformance-rt-taga")
	record := func(dst *[]delivery, group string) func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				d := deliveryOf(m)
				*dst = append(*dst, d)
				h.Deliver(group, d.key, d.shard, d.queue, d.offset)
			}
			return consumer.ConsumeSuccess, nil
		}
	}
	cAll := t.pushConsumer(ctx, allGroup, consumer.WithConsumerOrder(true))
	if err := cAll.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}, record(&all, allGroup)); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	cA := t.pushConsumer(ctx, tagGroup)
	if err := cA.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "TagA"}, record(&onlyA, tagGroup)); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	start := time.Now()
	for _, c := range []interface{ Start() error }{cAll, cA} {
		if err := c.Start(); err != nil {
			t.Erroredf("start a consumer: %v", err)
		}
	}
	wantA := 0
	for _, m := range sent {
		if m.tag == "TagA" {
			wantA++
		}
	}
	if r := h.Check(allGroup); r.Acked == 0 {
		t.Fatalf("no message was acknowledged: %s", r)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(dctx, 100*time.Millisecond, "every acked message delivered", func(context.Context) (bool, string, error) {
		ra, rt := h.Check(allGroup), h.Check(tagGroup)
		return len(ra.Lost) == 0 && ra.Delivered >= ra.Acked && rt.Delivered >= wantA,
			fmt.Sprintf("all-tags group: %s; TagA group delivered %d of %d", ra, rt.Delivered, wantA), nil
	})
	t.Figure("delivery_all", float64(time.Since(start).Milliseconds()), "ms")
	rep := h.Check(allGroup)
	t.Logf("all-tags group %s: %s", allGroup, rep)
	if err != nil {
		t.Errorf("%v", err)
	}
	if !rep.OK() {
		t.Errorf("history of the all-tags group: %s", rep)
	}

	mu.Lock()
	defer mu.Unlock()
	// Content: every delivery carries what was sent.
	for _, d := range all {
		s, ok := sent[d.key]
		if !ok {
			continue // reported as unexpected by the checker
		}
		if d.tag != s.tag || !bytes.Equal(d.body, s.body) || d.shard != s.shard || d.queue != s.queue {
			t.Errorf("message %s arrived changed: tag %q body %q at %s/%d; sent tag %q body %q to %s/%d", d.key, d.tag, d.body, d.shard, d.queue, s.tag, s.body, s.shard, s.queue)
		}
		for k, v := range s.props {
			if d.props[k] != v {
				t.Errorf("message %s: property %s=%q, sent %q", d.key, k, d.props[k], v)
			}
		}
	}
	// Order: an orderly consumer sees each queue in send order.
	last := map[string]int{}
	for _, d := range all {
		s, ok := sent[d.key]
		if !ok {
			continue
		}
		q := d.shard + "/" + strconv.Itoa(d.queue)
		if prev, seen := last[q]; seen && s.seq <= prev {
			t.Errorf("queue %s delivered seq %d after seq %d: out of send order", q, s.seq, prev)
		}
		last[q] = s.seq
	}
	t.Logf("order checked on %d queues", len(last))
	// Filter: the TagA group got exactly the TagA messages.
	rt := h.Check(tagGroup)
	gotA := map[string]bool{}
	for _, d := range onlyA {
		if d.tag != "TagA" {
			t.Errorf("the TagA subscription received %s with tag %q", d.key, d.tag)
		}
		gotA[d.key] = true
	}
	if len(gotA) != wantA || len(rt.Duplicated) > 0 {
		t.Errorf("the TagA subscription received %d distinct messages (%d duplicated), %d were sent with TagA", len(gotA), len(rt.Duplicated), wantA)
	}
	t.Logf("TagA group %s received %d of %d TagA messages", tagGroup, len(gotA), wantA)
}

func consumerGroups(ctx context.Context, t *T) {
	shards := t.shards(ctx)
	topic := uniqueName("conformance-cg")
	const queues = 4
	t.createTopic(ctx, topic, queues)
	h := history.New()

	var mu sync.Mutex
	queuesOf := map[string]map[string]bool{} // member -> queues it consumed
	sub := func(scope, member string) func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range msgs {
				d := deliveryOf(m)
				h.Deliver(scope, d.key, d.shard, d.queue, d.offset)
				if queuesOf[member] == nil {
					queuesOf[member] = map[string]bool{}
				}
				queuesOf[member][d.shard+"/"+strconv.Itoa(d.queue)] = true
			}
			return consumer.ConsumeSuccess, nil
		}
	}
	clustering, broadcasting := uniqueName("conformance-cg-clu"), uniqueName("conformance-cg-bro")
	members := map[string][]string{clustering: {"clu-1", "clu-2"}, broadcasting: {"bro-1", "bro-2"}}
	scopes := []string{}
	for _, group := range []string{clustering, broadcasting} {
		for _, member := range members[group] {
			scope := group
			opts := []consumer.Option{}
			if group == broadcasting {
				scope = group + "/" + member // each member must see everything
				opts = append(opts, consumer.WithConsumerModel(consumer.BroadCasting))
				scopes = append(scopes, scope)
			}
			c := t.pushConsumer(ctx, group, opts...)
			if err := c.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}, sub(scope, member)); err != nil {
				t.Erroredf("subscribe %s: %v", member, err)
			}
			if err := c.Start(); err != nil {
				t.Erroredf("start %s: %v", member, err)
			}
		}
	}
	scopes = append(scopes, clustering)
	// Send only once every master lists both members of both groups, so the
	// split is measured on a settled group.
	rc := t.admin()
	mctx, mcancel := context.WithTimeout(ctx, 30*time.Second)
	defer mcancel()
	err := wait.Until(mctx, 200*time.Millisecond, "every master to list both members of each group", func(ctx context.Context) (bool, string, error) {
		for _, s := range shards {
			for _, g := range []string{clustering, broadcasting} {
				ids, err := rc.ConsumerList(ctx, s.Master().Addr, g)
				if err != nil || len(ids) != 2 {
					return false, fmt.Sprintf("%s lists %d members of %s (%v)", s.Master().Pod, len(ids), g, err), nil
				}
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Fatalf("%v", err)
	}
	p := t.producer(ctx)
	n := 0
	for round := 0; round < 10; round++ {
		for _, s := range shards {
			for q := 0; q < queues; q++ {
				key := fmt.Sprintf("%s-%d", topic, n)
				msg := primitive.NewMessage(topic, []byte(key))
				msg.WithKeys([]string{key})
				msg.Queue = &primitive.MessageQueue{Topic: topic, BrokerName: s.Name, QueueId: q}
				h.Invoke(key, s.Name)
				if res, err := p.SendSync(ctx, msg); err != nil {
					h.Fail(key, s.Name, err)
				} else {
					h.Ack(key, s.Name, res.MessageQueue.QueueId, res.QueueOffset)
				}
				n++
			}
		}
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = wait.Until(dctx, 100*time.Millisecond, "every group to receive every acked message", func(context.Context) (bool, string, error) {
		for _, sc := range scopes {
			if r := h.Check(sc); len(r.Lost) > 0 {
				return false, sc + ": " + r.String(), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Errorf("%v", err)
	}
	if r := h.Check(clustering); r.Acked == 0 {
		t.Errorf("no message was acknowledged: %s", r)
	}
	for _, sc := range scopes {
		r := h.Check(sc)
		t.Logf("%s: %s", sc, r)
		if !r.OK() {
			t.Errorf("%s: %s", sc, r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	a, b := queuesOf["clu-1"], queuesOf["clu-2"]
	t.Logf("clustering member clu-1 consumed %d queues, clu-2 %d of %d", len(a), len(b), len(shards)*queues)
	if len(a) == 0 || len(b) == 0 {
		t.Errorf("the clustering group did not split: clu-1 consumed from %d queues, clu-2 from %d", len(a), len(b))
	}
	for q := range a {
		if b[q] {
			t.Errorf("queue %s was consumed by both clustering members", q)
		}
	}
}

func messageSize(ctx context.Context, t *T) {
	shards := t.shards(ctx)
	rc := t.admin()
	master := shards[0].Master()
	cfg, err := rc.BrokerConfig(ctx, master.Addr)
	if err != nil {
		t.Fatalf("read the config of %s: %v", master.Pod, err)
	}
	const addon = 5242880
	limit, err := strconv.Atoi(cfg["maxMessageSize"])
	if err != nil {
		t.Fatalf("%s reports maxMessageSize=%q: %v", master.Pod, cfg["maxMessageSize"], err)
	}
	t.Figure("maxMessageSize", float64(limit), "bytes")
	if limit != addon {
		t.Errorf("%s runs with maxMessageSize=%d; the addon sets %d", master.Pod, limit, addon)
	}
	topic := uniqueName("conformance-size")
	t.createTopic(ctx, topic, 1)
	p := t.producer(ctx, producer.WithCompressMsgBodyOverHowmuch(math.MaxInt32))
	send := func(size int) ([]byte, *primitive.SendResult, error) {
		body := make([]byte, size)
		rand.Read(body)
		msg := primitive.NewMessage(topic, body)
		msg.Queue = &primitive.MessageQueue{Topic: topic, BrokerName: master.Shard, QueueId: 0}
		res, err := p.SendSync(ctx, msg)
		if err == nil && res.Status != primitive.SendOK {
			err = fmt.Errorf("send status %d", res.Status)
		}
		return body, res, err
	}
	body, res, err := send(addon)
	if err != nil {
		t.Errorf("a %d-byte body (the addon's limit) was rejected: %v", addon, err)
	} else {
		got, err := t.readQueue(ctx, master.Addr, topic, 0)
		switch {
		case err != nil:
			t.Errorf("read back the %d-byte message from %s: %v", addon, master.Pod, err)
		case len(got) != 1 || got[0].QueueOffset != res.QueueOffset || !bytes.Equal(got[0].Body, body):
			t.Errorf("read back %d messages from %s queue 0; expected the %d-byte body at offset %d intact", len(got), master.Pod, addon, res.QueueOffset)
		default:
			t.Logf("%d-byte body accepted at offset %d and read back intact (sha256 %x)", addon, res.QueueOffset, sha256.Sum256(body))
		}
	}
	before, err := rc.MaxOffset(ctx, master.Addr, topic, 0)
	if err != nil {
		t.Fatalf("max offset: %v", err)
	}
	if _, res, err := send(addon + 1); err == nil {
		t.Errorf("a %d-byte body, one over the limit, was accepted at offset %d", addon+1, res.QueueOffset)
	} else if !strings.Contains(err.Error(), "CODE: 13") {
		t.Errorf("the %d-byte body failed, but not with the broker's MESSAGE_ILLEGAL (code 13): %v", addon+1, err)
	} else {
		t.Logf("%d-byte body rejected by the broker: %v", addon+1, err)
	}
	after, err := rc.MaxOffset(ctx, master.Addr, topic, 0)
	if err != nil {
		t.Fatalf("max offset: %v", err)
	}
	if after != before {
		t.Errorf("queue 0 max offset moved from %d to %d: the over-limit message was stored", before, after)
	}
}
