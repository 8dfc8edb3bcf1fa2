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
}

// Send stores one message on a broker's queue with the header the Java
// producer sends (SEND_MESSAGE, code 10), signed when the Client has
// credentials. Only SUCCESS is an acknowledged write; any other code is a
// *ResponseError, those of a message stored without meeting a SYNC_FLUSH
// or SYNC_MASTER promise (FLUSH_DISK_TIMEOUT, SLAVE_NOT_AVAILABLE) too. With it the suite writes as a client from any source
// address (see WithSource), which rocketmq-client-go cannot.
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
	resp, err := c.call(ctx, brokerAddr, SendMessage, ext, r.Body)
	if err != nil {
		return nil, err
	}
	res := &SendResult{MsgID: resp.ExtFields["msgId"]}
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
