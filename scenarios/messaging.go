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

	"github.com/rmqkb/conformance/internal/clientlog"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
)

// The clauses of the messaging cases.
var (
	rtDelivered = Clause{"delivered", "every acknowledged message is delivered"}
	rtOnce      = Clause{"once", "each message is delivered once"}
	rtIntact    = Clause{"intact", "keys, tag and body arrive intact"}
	rtProps     = Clause{"properties", "user properties arrive intact"}
	rtOrder     = Clause{"order", "each queue is delivered in send order"}
	rtTagOnly   = Clause{"tag-only", "a tag subscription receives only its tag"}
	rtTagAll    = Clause{"tag-all", "a tag subscription receives all of its tag"}

	cgClusterOnce   = Clause{"clustering-once", "each message reaches exactly one clustering member"}
	cgSplit         = Clause{"clustering-split", "each clustering member consumes some queues"}
	cgBroadcastAll  = Clause{"broadcast-all", "every broadcasting member receives every message"}
	cgBroadcastOnce = Clause{"broadcast-once", "no broadcasting member receives a message twice"}

	sizeConfig   = Clause{"limit-config", "every broker runs with maxMessageSize 5242880"}
	sizeAccepted = Clause{"at-limit-accepted", "a body of exactly the limit is accepted"}
	sizeIntact   = Clause{"at-limit-intact", "the accepted body reads back intact"}
	sizeRejected = Clause{"over-limit-rejected", "one byte more is rejected with MESSAGE_ILLEGAL"}
	sizeNoOffset = Clause{"over-limit-no-offset", "the rejected message takes no queue offset"}
)

func init() {
	register(
		Case{
			Suite: "messaging", Name: "round-trip",
			Promise: "Every send to every queue of every shard is acknowledged, and every acknowledged message is delivered exactly once to a consumer group, with its keys, tag, user properties and body intact and, within each queue, in send order; a tag subscription receives exactly its tag.",
			Description: "Sends to every queue of every shard with rocketmq-client-go; an orderly consumer subscribes to all tags and a second group to TagA only. " +
				"Verdicts come from the send/delivery history. A message the consumer never received is read back from the masters: " +
				"held there, it is reported undelivered with the client's errors; held nowhere, it is lost.",
			Clauses: []Clause{clauseBrokers, clauseSent, clauseNotLost, rtDelivered, rtOnce, rtIntact, rtProps, rtOrder, rtTagOnly, rtTagAll},
			Needs:   []Capability{Messaging},
			Timeout: 120 * time.Second,
			Run:     roundTrip,
		},
		Case{
			Suite: "messaging", Name: "consumer-groups",
			Promise:     "Every send is acknowledged; members of a clustering consumer group split the queues, so each message reaches exactly one member and each member some; every member of a broadcasting group receives every message exactly once.",
			Description: "Two members per group; messages are sent once the brokers list both members of each group.",
			Clauses:     []Clause{clauseBrokers, clauseSent, clauseNotLost, cgClusterOnce, cgSplit, cgBroadcastAll, cgBroadcastOnce},
			Needs:       []Capability{Messaging},
			Timeout:     120 * time.Second,
			Run:         consumerGroups,
		},
		Case{
			Suite: "messaging", Name: "message-size",
			Promise: "The brokers run with maxMessageSize 5242880 (the addon's setting); a message whose body is exactly that size is accepted and read back intact; one byte more is rejected by the broker (MESSAGE_ILLEGAL) and takes no queue offset.",
			Description: "RocketMQ 4.9 checks the body length against maxMessageSize. The producer's compression is off so the broker sees the bytes as sent. " +
				"The read-back waits until the queue shows the accepted message; that the rejected one was not stored is proved by a small message sent after it taking the very next offset.",
			Clauses: []Clause{clauseBrokers, sizeConfig, sizeAccepted, sizeIntact, sizeRejected, sizeNoOffset},
			Needs:   []Capability{Messaging},
			Run:     messageSize,
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

// recorder returns the consumer callback of member who: it records every
// delivery to scope in h and hands it to keep.
func (t *T) recorder(h *history.History, scope, who string, mu *sync.Mutex, keep func(delivery)) func(context.Context, ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
	return func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range t.plants.delivered(who, msgs) {
			d := deliveryOf(m)
			h.Deliver(scope, d.key, d.shard, d.queue, d.offset)
			keep(d)
		}
		return consumer.ConsumeSuccess, nil
	}
}

func roundTrip(ctx context.Context, t *T) {
	clientlog.Start()
	since := time.Now()
	shards := t.shards(ctx)
	topic := uniqueName("conformance-rt")
	const queues, perQueue = 4, 10
	t.createTopic(ctx, topic, queues)
	h := t.newHistory()
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
				msg := queueMessage(topic, s.Name, q, key, body)
				for k, v := range props { // WithProperties would replace keys and tag
					msg.WithProperty(k, v)
				}
				msg.WithTag(tag)
				sendRecorded(ctx, p, h, key, msg)
				sent[key] = sentMsg{key: key, tag: tag, shard: s.Name, queue: q, seq: seq, body: body, props: props}
				n++
			}
		}
	}
	t.Logf("sent %d messages to %d shards x %d queues", n, len(shards), queues)
	t.failedSends(clauseSent, h, shards)

	var mu sync.Mutex
	var all, onlyA []delivery
	allGroup, tagGroup := uniqueName("conformance-rt-all"), uniqueName("conformance-rt-taga")
	cAll := t.pushConsumer(ctx, allGroup, consumer.WithConsumerOrder(true))
	if err := cAll.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}, t.recorder(h, allGroup, "all-tags", &mu, func(d delivery) { all = append(all, d) })); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	cA := t.pushConsumer(ctx, tagGroup)
	if err := cA.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "TagA"}, t.recorder(h, tagGroup, "TagA", &mu, func(d delivery) { onlyA = append(onlyA, d) })); err != nil {
		t.Erroredf("subscribe: %v", err)
	}
	start := time.Now()
	for _, c := range []interface{ Start() error }{cAll, cA} {
		if err := c.Start(); err != nil {
			t.Erroredf("start a consumer: %v", err)
		}
	}
	wantA := map[string]bool{}
	for _, m := range sent {
		if m.tag == "TagA" && h.IsAcked(m.key) {
			wantA[m.key] = true
		}
	}
	if r := h.Check(allGroup); r.Acked == 0 {
		t.Fatalf(clauseSent, "no message was acknowledged: %s", r)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(dctx, 100*time.Millisecond, "every acked message delivered", func(context.Context) (bool, string, error) {
		ra, rt := h.Check(allGroup), h.Check(tagGroup)
		return len(ra.Lost) == 0 && rt.Delivered >= len(wantA),
			fmt.Sprintf("all-tags group: %s; TagA group received %d of %d", ra.Progress(), rt.Delivered, len(wantA)), nil
	})
	t.Figure("delivery_all", float64(time.Since(start).Milliseconds()), "ms")
	if err != nil {
		t.Logf("%v", err)
	}
	j := &consumerJudge{t: t, h: t.judgedCopy(h), topic: topic, queues: queues, shards: shards, since: since,
		lost: clauseNotLost, undelivered: rtDelivered, twice: rtOnce}
	j.judge(ctx, allGroup)

	mu.Lock()
	defer mu.Unlock()
	// Content: every delivery carries what was sent.
	for _, d := range all {
		s, ok := sent[d.key]
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
	// Order: an orderly consumer sees each queue in send order.
	last := map[string]int{}
	for _, d := range all {
		s, ok := sent[d.key]
		if !ok {
			continue
		}
		q := d.shard + "/" + strconv.Itoa(d.queue)
		if prev, seen := last[q]; seen && s.seq <= prev {
			t.Errorf(rtOrder, "queue %s delivered seq %d after seq %d: out of send order", q, s.seq, prev)
		}
		last[q] = s.seq
	}
	t.Logf("order checked on %d queues", len(last))
	// Filter: the TagA group got exactly the acknowledged TagA messages.
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
	t.Logf("TagA group %s received %d distinct messages; %d acknowledged TagA messages were sent", tagGroup, len(gotA), len(wantA))
}

func consumerGroups(ctx context.Context, t *T) {
	clientlog.Start()
	since := time.Now()
	shards := t.shards(ctx)
	topic := uniqueName("conformance-cg")
	const queues = 4
	t.createTopic(ctx, topic, queues)
	h := t.newHistory()

	var mu sync.Mutex
	queuesOf := map[string]map[string]bool{} // member -> queues it consumed
	clustering, broadcasting := uniqueName("conformance-cg-clu"), uniqueName("conformance-cg-bro")
	members := map[string][]string{clustering: {"clu-1", "clu-2"}, broadcasting: {"bro-1", "bro-2"}}
	var scopes []string
	for _, group := range []string{clustering, broadcasting} {
		for _, member := range members[group] {
			scope := group
			var opts []consumer.Option
			if group == broadcasting {
				scope = group + "/" + member // each member must see everything
				opts = append(opts, consumer.WithConsumerModel(consumer.BroadCasting))
				scopes = append(scopes, scope)
			}
			keep := func(d delivery) {
				m := t.plants.attributed(member)
				if queuesOf[m] == nil {
					queuesOf[m] = map[string]bool{}
				}
				queuesOf[m][d.shard+"/"+strconv.Itoa(d.queue)] = true
			}
			c := t.pushConsumer(ctx, group, opts...)
			if err := c.Subscribe(topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}, t.recorder(h, scope, member, &mu, keep)); err != nil {
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
		t.Erroredf("not judged: the groups did not settle before the sends: %v", err)
	}
	p := t.producer(ctx)
	n := 0
	for round := 0; round < 10; round++ {
		for _, s := range shards {
			for q := 0; q < queues; q++ {
				key := fmt.Sprintf("%s-%d", topic, n)
				sendRecorded(ctx, p, h, key, queueMessage(topic, s.Name, q, key, []byte(key)))
				n++
			}
		}
	}
	t.failedSends(clauseSent, h, shards)
	if r := h.Check(clustering); r.Acked == 0 {
		t.Fatalf(clauseSent, "no message was acknowledged: %s", r)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = wait.Until(dctx, 100*time.Millisecond, "every group to receive every acked message", func(context.Context) (bool, string, error) {
		for _, sc := range scopes {
			if r := h.Check(sc); len(r.Lost) > 0 {
				return false, sc + ": " + r.Progress(), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Logf("%v", err)
	}
	jh := t.judgedCopy(h)
	for _, sc := range scopes {
		j := &consumerJudge{t: t, h: jh, topic: topic, queues: queues, shards: shards, since: since,
			lost: clauseNotLost, undelivered: cgBroadcastAll, twice: cgBroadcastOnce}
		if sc == clustering {
			j.undelivered, j.twice = cgClusterOnce, cgClusterOnce
		}
		j.judge(ctx, sc)
	}
	mu.Lock()
	defer mu.Unlock()
	a, b := queuesOf["clu-1"], queuesOf["clu-2"]
	t.Logf("clustering member clu-1 consumed %d queues, clu-2 %d of %d", len(a), len(b), len(shards)*queues)
	if len(a) == 0 || len(b) == 0 {
		t.Errorf(cgSplit, "the clustering group did not split: clu-1 consumed from %d queues, clu-2 from %d", len(a), len(b))
	}
	for q := range a {
		if b[q] {
			t.Errorf(cgClusterOnce, "queue %s was consumed by both clustering members", q)
		}
	}
}

func messageSize(ctx context.Context, t *T) {
	shards := t.shards(ctx)
	rc := t.admin()
	master := shards[0].Master()
	const addon = 5242880
	for _, s := range shards {
		for _, b := range s.Brokers {
			cfg, err := t.brokerConfig(ctx, rc, b.Addr)
			if err != nil {
				t.Erroredf("not judged: read the config of %s: %v", b.Pod, err)
			}
			if got := cfg["maxMessageSize"]; got != strconv.Itoa(addon) {
				t.Errorf(sizeConfig, "%s runs with maxMessageSize=%s; the addon sets %d", b.Pod, got, addon)
			}
		}
	}
	t.Figure("maxMessageSize", addon, "bytes")
	topic := uniqueName("conformance-size")
	t.createTopic(ctx, topic, 1)
	p := t.producer(ctx, producer.WithCompressMsgBodyOverHowmuch(math.MaxInt32))
	h := t.newHistory()
	send := func(key string, size int) ([]byte, *primitive.SendResult, error) {
		body := make([]byte, size)
		rand.Read(body)
		res, err := sendRecorded(ctx, p, h, key, queueMessage(topic, master.Shard, 0, key, body))
		return body, res, err
	}
	body, res, err := send("at-limit", addon)
	if err != nil {
		t.Errorf(sizeAccepted, "a %d-byte body (the addon's limit) was rejected: %v", addon, err)
		if t.Target.Topology().Mode.DLedger {
			t.dledgerEntryLimit(send)
		}
	} else {
		t.atLimitIntact(ctx, master, topic, res.QueueOffset, body)
	}
	// Whether the rejected message took an offset is read from the next
	// one: it must land right after the last message acknowledged before.
	next := int64(0)
	if off, ok := h.HighestAcked(master.Shard)[0]; ok {
		next = off + 1
	}
	if _, res, err := send("over-limit", addon+1); err == nil {
		t.Errorf(sizeRejected, "a %d-byte body, one over the limit, was accepted at offset %d; whether a rejected message takes an offset is not observed", addon+1, res.QueueOffset)
		return
	} else if !strings.Contains(err.Error(), "CODE: 13") {
		t.Errorf(sizeRejected, "the %d-byte body failed, but not with the broker's MESSAGE_ILLEGAL (code 13): %v", addon+1, err)
	} else {
		t.Logf("%d-byte body rejected by the broker: %v", addon+1, err)
	}
	if _, _, err := send("after-over-limit", 16); err != nil {
		t.Erroredf("not judged: a 16-byte message after the over-limit one was rejected: %v", err)
	}
	t.nextOffset(t.judgedCopy(h), master.Shard, "after-over-limit", next)
}

// atLimitIntact reads the at-limit body back from the master once its
// queue shows it.
func (t *T) atLimitIntact(ctx context.Context, master Broker, topic string, offset int64, body []byte) {
	cov := t.awaitCovered(ctx, master, topic, map[int]int64{0: offset})
	t.Figure("dispatch_wait", float64(cov.waited.Milliseconds()), "ms")
	got, err := t.readQueue(ctx, master.Addr, topic, 0)
	switch {
	case err != nil:
		t.Errorf(sizeIntact, "read back the %d-byte message from %s: %v", len(body), master.Pod, err)
	case len(got) != 1 || got[0].QueueOffset != offset || !bytes.Equal(got[0].Body, body):
		t.Errorf(sizeIntact, "read back %d messages from %s queue 0 after waiting %s for offset %d; expected the %d-byte body at offset %d intact",
			len(got), master.Pod, cov.waited.Round(time.Millisecond), offset, len(body), offset)
	default:
		t.Logf("%d-byte body accepted at offset %d and read back intact (sha256 %x) after %s", len(body), offset, sha256.Sum256(body), cov.waited.Round(time.Millisecond))
	}
}

// nextOffset checks that the message key, sent after the rejected one,
// was acknowledged at offset want: the rejected message took none.
func (t *T) nextOffset(h *history.History, shard, key string, want int64) {
	for _, op := range h.Acked() {
		if op.ID != key {
			continue
		}
		if op.Offset != want {
			t.Errorf(sizeNoOffset, "the message sent after the over-limit one took offset %d, not %d: the over-limit message was stored", op.Offset, want)
		} else {
			t.Logf("the message sent after the over-limit one took offset %d, right after the last accepted one", op.Offset)
		}
		return
	}
	t.Erroredf("not judged: no acknowledgement of %s to %s in the history", key, shard)
}

// dledgerEntryBuffer is the buffer RocketMQ 4.9 encodes a DLedger entry in
// (openmessaging/dledger DLedgerMmapFileStore, 4 MiB): in DLedger mode a
// message takes one entry, so no body near it is stored, whatever
// maxMessageSize says (apache/rocketmq#4521).
const dledgerEntryBuffer = 4 << 20

// dledgerEntryLimit explains a refused at-limit body in DLedger mode: it
// sends a body 1 KiB under the entry buffer and says what the two
// answers show.
func (t *T) dledgerEntryLimit(send func(key string, size int) ([]byte, *primitive.SendResult, error)) {
	under := dledgerEntryBuffer - 1024
	if _, _, err := send("under-dledger-entry", under); err != nil {
		t.Logf("in DLedger mode a %d-byte body was refused too: %v", under, err)
		return
	}
	t.Errorf(sizeAccepted, "in DLedger mode a %d-byte body is stored but one of the addon's maxMessageSize is not: RocketMQ 4.9 appends each message as one DLedger entry, "+
		"encoded in a buffer of %d bytes (openmessaging/dledger DLedgerMmapFileStore; apache/rocketmq#4521), so with ENABLE_DLEDGER the addon's maxMessageSize=5242880 cannot be met", under, dledgerEntryBuffer)
}
