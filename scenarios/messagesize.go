package scenarios

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of messaging/message-size.
var (
	sizeConfig   = verdict.Clause{ID: "limit-config", Text: "every broker runs with maxMessageSize 5242880"}
	sizeAccepted = verdict.Clause{ID: "at-limit-accepted", Text: "a body of exactly the limit is accepted"}
	sizeIntact   = verdict.Clause{ID: "at-limit-intact", Text: "the accepted body reads back intact"}
	sizeRejected = verdict.Clause{ID: "over-limit-rejected", Text: "one byte more is rejected with MESSAGE_ILLEGAL"}
	sizeNoOffset = verdict.Clause{ID: "over-limit-no-offset", Text: "the rejected message takes no queue offset"}
)

// messageSizeCase is messaging/message-size; messaging.go registers it in
// the suite's order.
var messageSizeCase = Case{Case: verdict.Case{
	Suite: "messaging", Name: "message-size",
	Promise: "The brokers run with maxMessageSize 5242880 (the addon's setting); a message whose body is exactly that size is accepted and read back intact; one byte more is rejected by the broker (MESSAGE_ILLEGAL) and takes no queue offset.",
	Description: "RocketMQ 4.9 checks the body length against maxMessageSize. The producer's compression is off so the broker sees the bytes as sent. " +
		"The read-back waits until the queue shows the accepted message; that the rejected one was not stored is proved by a small message sent after it taking the very next offset.",
	Clauses: []verdict.Clause{clauseBrokers, sizeConfig, sizeAccepted, sizeIntact, sizeRejected, sizeNoOffset},
	Needs:   []verdict.Capability{verdict.Messaging},
}, Run: messageSize}

func messageSize(ctx context.Context, t *T) {
	shards := awaitShards(ctx, t)
	rc := adminOf(t)
	master := shards[0].Master()
	const addon = 5242880
	for _, s := range shards {
		for _, b := range s.Brokers {
			cfg, err := brokerConfigOf(ctx, t, rc, b.Addr)
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
	createTopic(ctx, t, topic, 1)
	p := clientProducer(ctx, t, producer.WithCompressMsgBodyOverHowmuch(math.MaxInt32))
	h := newHistory(t)
	send := func(key string, size int) ([]byte, *primitive.SendResult, error) {
		body := make([]byte, size)
		rand.Read(body)
		res, err := load.Send(ctx, p, h, key, load.QueueMessage(topic, master.Shard, 0, key, body))
		return body, res, err
	}
	body, res, err := send("at-limit", addon)
	if err != nil {
		t.Errorf(sizeAccepted, "a %d-byte body (the addon's limit) was rejected: %v", addon, err)
		if t.Target.Topology().Mode.DLedger {
			dledgerEntryLimit(t, send)
		}
	} else {
		atLimitIntact(ctx, t, master, topic, res.QueueOffset, body)
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
	nextOffset(t, judgedCopy(t, h), master.Shard, "after-over-limit", next)
}

// atLimitIntact reads the at-limit body back from the master once its
// queue shows it.
func atLimitIntact(ctx context.Context, t *T, master target.Broker, topic string, offset int64, body []byte) {
	cov := readback.AwaitCovered(ctx, adminOf(t), master, topic, map[int]int64{0: offset})
	t.Figure("dispatch_wait", float64(cov.Waited.Milliseconds()), "ms")
	got, err := readQueue(ctx, t, master.Addr, topic, 0)
	switch {
	case err != nil:
		t.Errorf(sizeIntact, "read back the %d-byte message from %s: %v", len(body), master.Pod, err)
	case len(got) != 1 || got[0].QueueOffset != offset || !bytes.Equal(got[0].Body, body):
		t.Errorf(sizeIntact, "read back %d messages from %s queue 0 after waiting %s for offset %d; expected the %d-byte body at offset %d intact",
			len(got), master.Pod, cov.Waited.Round(time.Millisecond), offset, len(body), offset)
	default:
		t.Logf("%d-byte body accepted at offset %d and read back intact (sha256 %x) after %s", len(body), offset, sha256.Sum256(body), cov.Waited.Round(time.Millisecond))
	}
}

// nextOffset checks that the message key, sent after the rejected one,
// was acknowledged at offset want: the rejected message took none.
func nextOffset(t *T, h *history.History, shard, key string, want int64) {
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
func dledgerEntryLimit(t *T, send func(key string, size int) ([]byte, *primitive.SendResult, error)) {
	under := dledgerEntryBuffer - 1024
	if _, _, err := send("under-dledger-entry", under); err != nil {
		t.Logf("in DLedger mode a %d-byte body was refused too: %v", under, err)
		return
	}
	t.Errorf(sizeAccepted, "in DLedger mode a %d-byte body is stored but one of the addon's maxMessageSize is not: RocketMQ 4.9 appends each message as one DLedger entry, "+
		"encoded in a buffer of %d bytes (openmessaging/dledger DLedgerMmapFileStore; apache/rocketmq#4521), so with ENABLE_DLEDGER the addon's maxMessageSize=5242880 cannot be met", under, dledgerEntryBuffer)
}
