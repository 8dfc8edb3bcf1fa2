package scenarios

import (
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of the messaging cases.
var (
	rtDelivered = verdict.Clause{ID: "delivered", Text: "every acknowledged message is delivered"}
	rtOnce      = verdict.Clause{ID: "once", Text: "each message is delivered once"}
	rtIntact    = verdict.Clause{ID: "intact", Text: "keys, tag and body arrive intact"}
	rtProps     = verdict.Clause{ID: "properties", Text: "user properties arrive intact"}
	rtOrder     = verdict.Clause{ID: "order", Text: "each queue is delivered in send order"}
	rtTagOnly   = verdict.Clause{ID: "tag-only", Text: "a tag subscription receives only its tag"}
	rtTagAll    = verdict.Clause{ID: "tag-all", Text: "a tag subscription receives all of its tag"}

	cgClusterOnce   = verdict.Clause{ID: "clustering-once", Text: "each message reaches exactly one clustering member"}
	cgSplit         = verdict.Clause{ID: "clustering-split", Text: "each clustering member consumes some queues"}
	cgBroadcastAll  = verdict.Clause{ID: "broadcast-all", Text: "every broadcasting member receives every message"}
	cgBroadcastOnce = verdict.Clause{ID: "broadcast-once", Text: "no broadcasting member receives a message twice"}

	sizeConfig   = verdict.Clause{ID: "limit-config", Text: "every broker runs with maxMessageSize 5242880"}
	sizeAccepted = verdict.Clause{ID: "at-limit-accepted", Text: "a body of exactly the limit is accepted"}
	sizeIntact   = verdict.Clause{ID: "at-limit-intact", Text: "the accepted body reads back intact"}
	sizeRejected = verdict.Clause{ID: "over-limit-rejected", Text: "one byte more is rejected with MESSAGE_ILLEGAL"}
	sizeNoOffset = verdict.Clause{ID: "over-limit-no-offset", Text: "the rejected message takes no queue offset"}
)

func init() {
	register(
		Case{Case: verdict.Case{
			Suite: "messaging", Name: "round-trip",
			Promise: "Every send to every queue of every shard is acknowledged, and every acknowledged message is delivered exactly once to a consumer group, with its keys, tag, user properties and body intact and, within each queue, in send order; a tag subscription receives exactly its tag.",
			Description: "Sends to every queue of every shard with rocketmq-client-go; an orderly consumer subscribes to all tags and a second group to TagA only. " +
				"Verdicts come from the send/delivery history. A message the consumer never received is read back from the masters: " +
				"held there, it is reported undelivered with the client's errors; held nowhere, it is lost.",
			Clauses: []verdict.Clause{clauseBrokers, clauseSent, clauseNotLost, rtDelivered, rtOnce, rtIntact, rtProps, rtOrder, rtTagOnly, rtTagAll},
			Needs:   []verdict.Capability{verdict.Messaging},
			Timeout: 120 * time.Second,
		}, Run: roundTrip},
		Case{Case: verdict.Case{
			Suite: "messaging", Name: "consumer-groups",
			Promise:     "Every send is acknowledged; members of a clustering consumer group split the queues, so each message reaches exactly one member and each member some; every member of a broadcasting group receives every message exactly once.",
			Description: "Two members per group; messages are sent once the brokers list both members of each group.",
			Clauses:     []verdict.Clause{clauseBrokers, clauseSent, clauseNotLost, cgClusterOnce, cgSplit, cgBroadcastAll, cgBroadcastOnce},
			Needs:       []verdict.Capability{verdict.Messaging},
			Timeout:     120 * time.Second,
		}, Run: consumerGroups},
		Case{Case: verdict.Case{
			Suite: "messaging", Name: "message-size",
			Promise: "The brokers run with maxMessageSize 5242880 (the addon's setting); a message whose body is exactly that size is accepted and read back intact; one byte more is rejected by the broker (MESSAGE_ILLEGAL) and takes no queue offset.",
			Description: "RocketMQ 4.9 checks the body length against maxMessageSize. The producer's compression is off so the broker sees the bytes as sent. " +
				"The read-back waits until the queue shows the accepted message; that the rejected one was not stored is proved by a small message sent after it taking the very next offset.",
			Clauses: []verdict.Clause{clauseBrokers, sizeConfig, sizeAccepted, sizeIntact, sizeRejected, sizeNoOffset},
			Needs:   []verdict.Capability{verdict.Messaging},
		}, Run: messageSize},
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
