package remoting

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SendRequest is one SEND_MESSAGE to a chosen queue of one broker.
type SendRequest struct {
	Group      string // producer group
	Topic      string
	QueueID    int
	Body       []byte
	Properties map[string]string // user and system properties, KEYS among them
}

// SendResult is what the broker answered a stored message.
type SendResult struct {
	MsgID       string
	QueueID     int
	QueueOffset int64
	// Warning is FLUSH_DISK_TIMEOUT when the broker stored the message at
	// QueueOffset but its SYNC_FLUSH outlasted syncFlushTimeout: a stored
	// write on a slow disk or a busy machine, as the Java client counts
	// it (SendStatus.FLUSH_DISK_TIMEOUT), not a failed one.
	Warning string
}

// codeFlushDiskTimeout is FLUSH_DISK_TIMEOUT, a send answer that still
// carries where the message was stored.
const codeFlushDiskTimeout = 10

// Send stores one message on a broker's queue with the header the Java
// producer sends (SEND_MESSAGE, code 10), signed when the Client has
// credentials. SUCCESS is an acknowledged write, and FLUSH_DISK_TIMEOUT
// one with a Warning; any other code is a *ResponseError, that of a
// message stored without meeting a SYNC_MASTER promise
// (SLAVE_NOT_AVAILABLE, FLUSH_SLAVE_TIMEOUT) too. With it the suite
// writes as a client from any source address (see WithSource), which
// rocketmq-client-go cannot.
func (c *Client) Send(ctx context.Context, brokerAddr string, r SendRequest) (*SendResult, error) {
	ext := map[string]string{
		"producerGroup":         r.Group,
		"topic":                 r.Topic,
		"defaultTopic":          "TBW102",
		"defaultTopicQueueNums": "4",
		"queueId":               strconv.Itoa(r.QueueID),
		"sysFlag":               "0",
		"bornTimestamp":         strconv.FormatInt(time.Now().UnixMilli(), 10),
		"flag":                  "0",
		"properties":            encodeProperties(r.Properties),
		"reconsumeTimes":        "0",
		"unitMode":              "false",
		"batch":                 "false",
	}
	resp, err := c.invoke(ctx, brokerAddr, SendMessage, ext, r.Body, 0)
	if err != nil {
		return nil, err
	}
	res := &SendResult{MsgID: resp.ExtFields["msgId"]}
	switch resp.Code {
	case codeSuccess:
	case codeFlushDiskTimeout:
		res.Warning = responseName(resp.Code)
	default:
		return nil, &ResponseError{Addr: brokerAddr, Request: SendMessage, Code: resp.Code, Remark: resp.Remark}
	}
	q, err := extInt64(resp, "queueId")
	if err != nil {
		return nil, fmt.Errorf("SEND_MESSAGE to %s: %w", brokerAddr, err)
	}
	if res.QueueOffset, err = extInt64(resp, "queueOffset"); err != nil {
		return nil, fmt.Errorf("SEND_MESSAGE to %s: %w", brokerAddr, err)
	}
	res.QueueID = int(q)
	return res, nil
}

// encodeProperties writes "k\x01v\x02..." as MessageDecoder does, keys in
// order so that a request is the same bytes each time.
func encodeProperties(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "\x01" + p[k] + "\x02")
	}
	return b.String()
}
