package load

import (
	"context"
	"fmt"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/scenarios/history"
)

// SendTimeout bounds one send. RocketMQ's clients default to 3 s; on a
// machine whose cores are all busy (a shared CI runner) a healthy broker
// has been seen to answer later than that while another JVM starts, and a
// send cut off there would read as a shard refusing writes. A broker that
// does not answer in 10 s is refusing them.
const SendTimeout = 10 * time.Second

// Send sends msg to the queue it names, records the attempt under
// key in h, then its outcome: an ack at the queue and offset the broker
// gave, or the error. A master that waits on a slave answers
// SLAVE_NOT_AVAILABLE or FLUSH_SLAVE_TIMEOUT: errors. FLUSH_DISK_TIMEOUT
// is the broker saying it stored the message at that offset but its
// SYNC_FLUSH took longer than syncFlushTimeout (5 s), which a busy
// machine's disk or scheduler causes, not the addon: it is recorded as an
// acknowledgement with a warning, held to the acknowledged promise (the
// message must be read back), and reported (judgeFinal), never dropped.
func Send(ctx context.Context, p rocketmq.Producer, h *history.History, key string, msg *primitive.Message) (*primitive.SendResult, error) {
	shard := msg.Queue.BrokerName
	h.Invoke(key, shard)
	res, err := p.SendSync(ctx, msg)
	if err == nil && res.Status == primitive.SendFlushDiskTimeout {
		h.AckWarned(key, shard, res.MessageQueue.QueueId, res.QueueOffset, "FLUSH_DISK_TIMEOUT")
		return res, nil
	}
	if err == nil && res.Status != primitive.SendOK {
		err = fmt.Errorf("send status %s", statusName(res.Status))
	}
	if err != nil {
		h.Fail(key, shard, err)
		return res, err
	}
	h.Ack(key, shard, res.MessageQueue.QueueId, res.QueueOffset)
	return res, nil
}

// statusName names a send status as RocketMQ's Java client does.
func statusName(s primitive.SendStatus) string {
	switch s {
	case primitive.SendOK:
		return "SEND_OK"
	case primitive.SendFlushDiskTimeout:
		return "FLUSH_DISK_TIMEOUT"
	case primitive.SendFlushSlaveTimeout:
		return "FLUSH_SLAVE_TIMEOUT"
	case primitive.SendSlaveNotAvailable:
		return "SLAVE_NOT_AVAILABLE"
	}
	return fmt.Sprintf("UNKNOWN(%d)", s)
}

// QueueMessage builds a message with key for queue q of shard.
func QueueMessage(topic, shard string, q int, key string, body []byte) *primitive.Message {
	msg := primitive.NewMessage(topic, body)
	msg.WithKeys([]string{key})
	msg.Queue = &primitive.MessageQueue{Topic: topic, BrokerName: shard, QueueId: q}
	return msg
}
