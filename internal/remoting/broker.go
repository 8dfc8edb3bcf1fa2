package remoting

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// TopicConfig is a broker's view of one topic (its TopicConfig class).
// The JSON names are those of GET_ALL_TOPIC_CONFIG bodies.
type TopicConfig struct {
	TopicName      string `json:"topicName"`
	ReadQueueNums  int    `json:"readQueueNums"`
	WriteQueueNums int    `json:"writeQueueNums"`
	Perm           int    `json:"perm"` // PermName bits: 2 write, 4 read, 1 inherit
	Order          bool   `json:"order"`
}

// defaultPerm is PermName.PERM_READ|PERM_WRITE, what mqadmin updateTopic
// uses; CreateTopic sends it when TopicConfig.Perm is 0.
const defaultPerm = 6

// BrokerConfig returns the broker's effective configuration
// (GET_BROKER_CONFIG), every BrokerConfig, NettyServerConfig,
// NettyClientConfig and MessageStoreConfig property, values as strings.
func (c *Client) BrokerConfig(ctx context.Context, brokerAddr string) (map[string]string, error) {
	resp, err := c.call(ctx, brokerAddr, GetBrokerConfig, nil, nil)
	if err != nil {
		return nil, err
	}
	cfg, err := parseBrokerConfig(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET_BROKER_CONFIG to %s: %w", brokerAddr, err)
	}
	return cfg, nil
}

// UpdateBrokerConfig sets broker properties at run time
// (UPDATE_BROKER_CONFIG, what mqadmin updateBrokerConfig sends). A 4.9
// broker applies them, writes its whole configuration back to the file
// it was started with, and, when brokerPermission is among them,
// registers at once with every namesrv, routes included (with a new
// data version, so a namesrv takes its routes whole). Keys must be
// property names and values single lines without backslashes: the body
// is a Java properties text.
func (c *Client) UpdateBrokerConfig(ctx context.Context, brokerAddr string, props map[string]string) error {
	var body strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		v := props[k]
		if k == "" || strings.ContainsAny(k, "=: \t\r\n\\#!") || strings.ContainsAny(v, "\r\n\\") {
			return fmt.Errorf("UPDATE_BROKER_CONFIG to %s: %q=%q is not a plain property", brokerAddr, k, v)
		}
		body.WriteString(k + "=" + v + "\n")
	}
	_, err := c.call(ctx, brokerAddr, UpdateBrokerConfig, nil, []byte(body.String()))
	return err
}

// BrokerRuntimeInfo returns the broker's runtime statistics
// (GET_BROKER_RUNTIME_INFO, what mqadmin brokerStatus prints), e.g.
// commitLogMaxOffset, brokerVersionDesc, msgPutTotalTodayNow.
func (c *Client) BrokerRuntimeInfo(ctx context.Context, brokerAddr string) (map[string]string, error) {
	resp, err := c.call(ctx, brokerAddr, GetBrokerRuntimeInfo, nil, nil)
	if err != nil {
		return nil, err
	}
	var kv struct {
		Table map[string]string `json:"table"`
	}
	if err := decodeJSON(resp.Body, &kv); err != nil {
		return nil, fmt.Errorf("GET_BROKER_RUNTIME_INFO to %s: decode body: %w", brokerAddr, err)
	}
	if kv.Table == nil {
		kv.Table = map[string]string{}
	}
	return kv.Table, nil
}

// CreateTopic creates or updates a topic on one broker
// (UPDATE_AND_CREATE_TOPIC), with the header mqadmin updateTopic sends.
// Queue counts are sent as given; Perm 0 means read|write. Any code other
// than SUCCESS is returned as *ResponseError: rocketmq-client-go drops
// this response, which hides e.g. a slave refusing the change. Note that
// a 4.9 broker does not store Order from this request (mqadmin records
// ordering in the namesrv KV config instead).
func (c *Client) CreateTopic(ctx context.Context, brokerAddr string, tc TopicConfig) error {
	perm := tc.Perm
	if perm == 0 {
		perm = defaultPerm
	}
	ext := map[string]string{
		"topic":           tc.TopicName,
		"defaultTopic":    "TBW102", // TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC
		"readQueueNums":   strconv.Itoa(tc.ReadQueueNums),
		"writeQueueNums":  strconv.Itoa(tc.WriteQueueNums),
		"perm":            strconv.Itoa(perm),
		"topicFilterType": "SINGLE_TAG",
		"topicSysFlag":    "0",
		"order":           strconv.FormatBool(tc.Order),
	}
	_, err := c.call(ctx, brokerAddr, UpdateAndCreateTopic, ext, nil)
	return err
}

// TopicConfigs returns every topic the broker holds, system topics
// included, keyed by topic name (GET_ALL_TOPIC_CONFIG).
func (c *Client) TopicConfigs(ctx context.Context, brokerAddr string) (map[string]TopicConfig, error) {
	resp, err := c.call(ctx, brokerAddr, GetAllTopicConfig, nil, nil)
	if err != nil {
		return nil, err
	}
	var wrapper struct {
		TopicConfigTable map[string]TopicConfig `json:"topicConfigTable"`
	}
	if err := decodeJSON(resp.Body, &wrapper); err != nil {
		return nil, fmt.Errorf("GET_ALL_TOPIC_CONFIG to %s: decode body: %w", brokerAddr, err)
	}
	if wrapper.TopicConfigTable == nil {
		wrapper.TopicConfigTable = map[string]TopicConfig{}
	}
	return wrapper.TopicConfigTable, nil
}

// MaxOffset returns the consume-queue max offset of one queue
// (GET_MAX_OFFSET): the logical offset the next message will get, so 0
// for an empty queue. A queue the broker does not have also reads 0.
func (c *Client) MaxOffset(ctx context.Context, brokerAddr, topic string, queueID int) (int64, error) {
	return c.queueOffset(ctx, brokerAddr, GetMaxOffset, topic, queueID)
}

// MinOffset returns the smallest logical offset still stored in one
// queue (GET_MIN_OFFSET).
func (c *Client) MinOffset(ctx context.Context, brokerAddr, topic string, queueID int) (int64, error) {
	return c.queueOffset(ctx, brokerAddr, GetMinOffset, topic, queueID)
}

// queueOffset runs a {topic, queueId} -> offset request; max and min
// share request and response header shapes.
func (c *Client) queueOffset(ctx context.Context, brokerAddr string, code int, topic string, queueID int) (int64, error) {
	ext := map[string]string{"topic": topic, "queueId": strconv.Itoa(queueID)}
	resp, err := c.call(ctx, brokerAddr, code, ext, nil)
	if err != nil {
		return 0, err
	}
	v, err := extInt64(resp, "offset")
	if err != nil {
		return 0, fmt.Errorf("%s to %s: %w", requestName(code), brokerAddr, err)
	}
	return v, nil
}

// extInt64 reads a required numeric response header field.
func extInt64(resp *command, name string) (int64, error) {
	s, ok := resp.ExtFields[name]
	if !ok {
		return 0, fmt.Errorf("response header has no %q", name)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("response header %q: %w", name, err)
	}
	return v, nil
}
