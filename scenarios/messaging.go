package scenarios

import (
	"github.com/apache/rocketmq-client-go/v2/primitive"
)

// The messaging suite, in the order its cases run: the case literals, their
// clauses and their judgement live in each case's file.
func init() {
	register(
		roundTripCase,
		consumerGroupsCase,
		messageSizeCase,
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
