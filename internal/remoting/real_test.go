package remoting

// Tests against a real RocketMQ 4.9 deployment. They are skipped unless
// the environment names the servers:
//
//	RMQ_TEST_NAMESRV     namesrv address, e.g. 127.0.0.1:9876
//	RMQ_TEST_BROKER      a MASTER broker registered there (brokerIP1:listenPort)
//	RMQ_TEST_SLAVE       optional: a SLAVE of that master
//	RMQ_TEST_ACL_BROKER  optional: a broker with aclEnable=true, used with
//	RMQ_TEST_ACCESS_KEY / RMQ_TEST_SECRET_KEY of an admin account
//
// The tests create uniquely named topics (remoting_it_*) and write a few
// messages; there is no delete, so point them at a disposable cluster.

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func realEnv(t *testing.T) (namesrv, broker string) {
	t.Helper()
	namesrv, broker = os.Getenv("RMQ_TEST_NAMESRV"), os.Getenv("RMQ_TEST_BROKER")
	if namesrv == "" || broker == "" {
		t.Skip("real-broker test: set RMQ_TEST_NAMESRV and RMQ_TEST_BROKER (a master) to run it")
	}
	return namesrv, broker
}

func realCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func uniqueTopic(prefix string) string {
	return fmt.Sprintf("remoting_it_%s_%d", prefix, time.Now().UnixNano())
}

// eventually retries f until it succeeds or d passes, for state that
// propagates asynchronously (namesrv registration, slave sync).
func eventually(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %v", d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestRealBrokerConfigAndRuntime(t *testing.T) {
	_, broker := realEnv(t)
	ctx := realCtx(t)
	c := New()
	defer c.Close()

	cfg, err := c.BrokerConfig(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["brokerName"] == "" {
		t.Errorf("broker config has no brokerName (%d keys)", len(cfg))
	}
	if r := cfg["brokerRole"]; r != "ASYNC_MASTER" && r != "SYNC_MASTER" {
		t.Errorf("brokerRole %q: RMQ_TEST_BROKER must be a master", r)
	}
	if got := net.JoinHostPort(cfg["brokerIP1"], cfg["listenPort"]); got != broker {
		t.Errorf("brokerIP1:listenPort = %s, want the address we dialled, %s", got, broker)
	}

	rt, err := c.BrokerRuntimeInfo(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strconv.ParseInt(rt["commitLogMaxOffset"], 10, 64); err != nil {
		t.Errorf("commitLogMaxOffset %q: %v", rt["commitLogMaxOffset"], err)
	}
	if !strings.HasPrefix(rt["brokerVersionDesc"], "V4_") {
		t.Errorf("brokerVersionDesc %q, want a 4.x broker", rt["brokerVersionDesc"])
	}
}

func TestRealClusterInfo(t *testing.T) {
	namesrv, broker := realEnv(t)
	ctx := realCtx(t)
	c := New()
	defer c.Close()

	cfg, err := c.BrokerConfig(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := c.ClusterInfo(ctx, namesrv)
	if err != nil {
		t.Fatal(err)
	}
	bd, ok := ci.BrokerAddrTable[cfg["brokerName"]]
	if !ok {
		t.Fatalf("broker %q not in cluster info %+v", cfg["brokerName"], ci)
	}
	id, _ := strconv.ParseInt(cfg["brokerId"], 10, 64)
	if bd.BrokerAddrs[id] != broker || bd.Cluster != cfg["brokerClusterName"] {
		t.Errorf("cluster info entry %+v, want id %d -> %s in cluster %s", bd, id, broker, cfg["brokerClusterName"])
	}
	if !slices.Contains(ci.ClusterAddrTable[cfg["brokerClusterName"]], cfg["brokerName"]) {
		t.Errorf("cluster %s does not list %s: %v", cfg["brokerClusterName"], cfg["brokerName"], ci.ClusterAddrTable)
	}
}

func TestRealCreateTopicAndRoute(t *testing.T) {
	namesrv, broker := realEnv(t)
	ctx := realCtx(t)
	c := New()
	defer c.Close()

	cfg, err := c.BrokerConfig(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	topic := uniqueTopic("route")
	if _, err := c.TopicRoute(ctx, namesrv, topic); !IsTopicNotExist(err) {
		t.Fatalf("route of a topic not yet created: want TOPIC_NOT_EXIST, got %v", err)
	}
	if err := c.CreateTopic(ctx, broker, TopicConfig{TopicName: topic, ReadQueueNums: 3, WriteQueueNums: 2}); err != nil {
		t.Fatal(err)
	}

	tcs, err := c.TopicConfigs(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tcs[topic], (TopicConfig{TopicName: topic, ReadQueueNums: 3, WriteQueueNums: 2, Perm: 6}); got != want {
		t.Errorf("broker topic config %+v, want %+v", got, want)
	}

	eventually(t, 15*time.Second, func() error {
		rt, err := c.TopicRoute(ctx, namesrv, topic)
		if err != nil {
			return err
		}
		if len(rt.QueueDatas) != 1 || len(rt.BrokerDatas) != 1 {
			return fmt.Errorf("route %+v: want one broker group", rt)
		}
		q, b := rt.QueueDatas[0], rt.BrokerDatas[0]
		if q.BrokerName != cfg["brokerName"] || q.ReadQueueNums != 3 || q.WriteQueueNums != 2 || q.Perm != 6 {
			return fmt.Errorf("queue data %+v, want %s 3/2 perm 6", q, cfg["brokerName"])
		}
		if b.BrokerAddrs[0] != broker {
			return fmt.Errorf("broker data %+v has no master %s", b, broker)
		}
		return nil
	})

	// An illegal name is refused by the broker; the refusal must surface.
	err = c.CreateTopic(ctx, broker, TopicConfig{TopicName: "bad topic!", ReadQueueNums: 1, WriteQueueNums: 1})
	var re *ResponseError
	if !errors.As(err, &re) || re.Request != UpdateAndCreateTopic || re.Code != codeSystemError {
		t.Fatalf("illegal topic name: want SYSTEM_ERROR ResponseError, got %v", err)
	}
}

// sentMessage is what the broker acknowledged for a test message.
type sentMessage struct {
	msgID       string
	queueOffset int64
	body        []byte // uncompressed
	keys, tags  string
}

// sendTestMessage produces one message with SEND_MESSAGE (code 10), the
// v1 header, straight to one queue. It lives in the tests only: the
// package is a reader, but a pull test needs messages whose keys,
// bodies and broker-assigned ids it knows. compress stores the body
// zlib-compressed with the compressed+ZLIB sysFlag, as a Java producer
// does for bodies over 4 KiB.
func sendTestMessage(ctx context.Context, t *testing.T, c *Client, broker, topic string, queueID int, body []byte, keys, tags string, compress bool) sentMessage {
	t.Helper()
	wire, sysFlag := body, 0
	if compress {
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write(body)
		w.Close()
		wire, sysFlag = buf.Bytes(), 1|3<<8
	}
	props := "KEYS\x01" + keys + "\x02TAGS\x01" + tags + "\x02WAIT\x01true"
	ext := map[string]string{
		"producerGroup":         "remoting_it_producer",
		"topic":                 topic,
		"defaultTopic":          "TBW102",
		"defaultTopicQueueNums": "4",
		"queueId":               strconv.Itoa(queueID),
		"sysFlag":               strconv.Itoa(sysFlag),
		"bornTimestamp":         strconv.FormatInt(time.Now().UnixMilli(), 10),
		"flag":                  "0",
		"properties":            props,
		"reconsumeTimes":        "0",
		"unitMode":              "false",
		"batch":                 "false",
	}
	resp, err := c.call(ctx, broker, 10, ext, wire)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	off, err := strconv.ParseInt(resp.ExtFields["queueOffset"], 10, 64)
	if err != nil {
		t.Fatalf("send response %v: %v", resp.ExtFields, err)
	}
	return sentMessage{msgID: resp.ExtFields["msgId"], queueOffset: off, body: body, keys: keys, tags: tags}
}

// waitDispatched waits until queue 0 of topic holds n messages. A send
// is acknowledged once it is in the commit log; the consume queue that
// GET_MAX_OFFSET and PULL_MESSAGE read is filled asynchronously
// (ReputMessageService), so it can lag the acknowledgement briefly.
func waitDispatched(ctx context.Context, t *testing.T, c *Client, broker, topic string, n int64) {
	t.Helper()
	eventually(t, 10*time.Second, func() error {
		off, err := c.MaxOffset(ctx, broker, topic, 0)
		if err != nil {
			return err
		}
		if off != n {
			return fmt.Errorf("max offset %d, want %d", off, n)
		}
		return nil
	})
}

// checkPulled compares pulled messages with what was sent.
func checkPulled(t *testing.T, got []Message, want []sentMessage, topic, storeHost string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("pulled %d messages, want %d", len(got), len(want))
	}
	for i, m := range got {
		w := want[i]
		if m.Keys() != w.keys || m.Tags() != w.tags || !bytes.Equal(m.Body, w.body) {
			t.Errorf("message %d: keys %q tags %q body %d bytes, want %q %q %d bytes", i, m.Keys(), m.Tags(), len(m.Body), w.keys, w.tags, len(w.body))
		}
		// The broker's send response carries the offset message id; our
		// computation from the stored record must agree.
		if m.MsgID != w.msgID || m.QueueOffset != w.queueOffset {
			t.Errorf("message %d: id %s offset %d, broker acknowledged %s offset %d", i, m.MsgID, m.QueueOffset, w.msgID, w.queueOffset)
		}
		if m.Topic != topic || m.StoreHost != storeHost || m.QueueID != 0 {
			t.Errorf("message %d: topic %s queue %d store host %s", i, m.Topic, m.QueueID, m.StoreHost)
		}
		if time.Since(m.StoreTimestamp) > 10*time.Minute || m.StoreTimestamp.Before(m.BornTimestamp.Add(-time.Minute)) {
			t.Errorf("message %d: implausible timestamps born %v stored %v", i, m.BornTimestamp, m.StoreTimestamp)
		}
	}
}

func TestRealPull(t *testing.T) {
	_, broker := realEnv(t)
	ctx := realCtx(t)
	c := New()
	defer c.Close()

	topic := uniqueTopic("pull")
	if err := c.CreateTopic(ctx, broker, TopicConfig{TopicName: topic, ReadQueueNums: 2, WriteQueueNums: 2}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 512) // 8 KiB
	sent := []sentMessage{
		sendTestMessage(ctx, t, c, broker, topic, 0, []byte("first"), "k1", "tagA", false),
		sendTestMessage(ctx, t, c, broker, topic, 0, []byte("second"), "k2 k2b", "tagB", false),
		sendTestMessage(ctx, t, c, broker, topic, 0, big, "k3", "tagA", true),
	}

	waitDispatched(ctx, t, c, broker, topic, 3)
	if off, err := c.MinOffset(ctx, broker, topic, 0); err != nil || off != 0 {
		t.Fatalf("min offset %d, %v; want 0", off, err)
	}
	if off, err := c.MaxOffset(ctx, broker, topic, 1); err != nil || off != 0 {
		t.Fatalf("max offset of the empty queue %d, %v; want 0", off, err)
	}

	group := "remoting_it_group"
	res, err := c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Found || res.NextBeginOffset != 3 || res.MaxOffset != 3 || res.MinOffset != 0 {
		t.Fatalf("pull: %v next %d min %d max %d", res.Status, res.NextBeginOffset, res.MinOffset, res.MaxOffset)
	}
	checkPulled(t, res.Messages, sent, topic, broker)

	res, err = c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 1, MaxMsgs: 1})
	if err != nil || res.Status != Found || res.NextBeginOffset != 2 {
		t.Fatalf("pull one from offset 1: %+v %v", res, err)
	}
	checkPulled(t, res.Messages, sent[1:2], topic, broker)

	res, err = c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0, SubExpression: "tagA"})
	if err != nil || res.Status != Found {
		t.Fatalf("pull tagA: %+v %v", res, err)
	}
	checkPulled(t, res.Messages, []sentMessage{sent[0], sent[2]}, topic, broker)

	res, err = c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0, SubExpression: "nosuchtag"})
	if err != nil || res.Status != NoMatchedMsg || res.Code != codePullRetryImmediately {
		t.Fatalf("pull of an unmatched tag: %+v %v", res, err)
	}

	res, err = c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 3})
	if err != nil || res.Status != NoNewMsg {
		t.Fatalf("pull at the end: %+v %v", res, err)
	}
	res, err = c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 100})
	if err != nil || res.Status != OffsetIllegal || res.NextBeginOffset != 3 {
		t.Fatalf("pull far past the end: %+v %v", res, err)
	}

	start := time.Now()
	res, err = c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 3, SuspendTimeout: 1500 * time.Millisecond})
	if err != nil || res.Status != NoNewMsg {
		t.Fatalf("long poll: %+v %v", res, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("long poll answered after %v; the broker should have held it ~1.5s", d)
	}

	var re *ResponseError
	if _, err := c.Pull(ctx, broker, PullRequest{Group: group, Topic: topic, QueueID: 5}); !errors.As(err, &re) || re.Code != codeSystemError {
		t.Errorf("queue beyond readQueueNums: want SYSTEM_ERROR, got %v", err)
	}
	if _, err := c.Pull(ctx, broker, PullRequest{Group: group, Topic: uniqueTopic("absent"), QueueID: 0}); !IsTopicNotExist(err) {
		t.Errorf("pull of an unknown topic: want TOPIC_NOT_EXIST, got %v", err)
	}
}

func TestRealSlave(t *testing.T) {
	_, broker := realEnv(t)
	slave := os.Getenv("RMQ_TEST_SLAVE")
	if slave == "" {
		t.Skip("real-broker test: set RMQ_TEST_SLAVE (a slave of RMQ_TEST_BROKER) to run it")
	}
	ctx := realCtx(t)
	c := New()
	defer c.Close()

	cfg, err := c.BrokerConfig(ctx, slave)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["brokerRole"] != "SLAVE" {
		t.Fatalf("RMQ_TEST_SLAVE brokerRole %q", cfg["brokerRole"])
	}

	topic := uniqueTopic("slave")
	var re *ResponseError
	if err := c.CreateTopic(ctx, slave, TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1}); !errors.As(err, &re) || re.Code != codeSystemError {
		t.Fatalf("create on a slave: want SYSTEM_ERROR, got %v", err)
	}
	if err := c.CreateTopic(ctx, broker, TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1}); err != nil {
		t.Fatal(err)
	}
	sent := []sentMessage{sendTestMessage(ctx, t, c, broker, topic, 0, []byte("replicated"), "ks", "tagS", false)}

	// The slave learns topics every ~10s and the data over HA.
	var res *PullResult
	eventually(t, 60*time.Second, func() error {
		res, err = c.Pull(ctx, slave, PullRequest{Group: "remoting_it_group", Topic: topic})
		if err != nil {
			return err
		}
		if res.Status != Found {
			return fmt.Errorf("slave pull status %v", res.Status)
		}
		return nil
	})
	// The message was stored by the master, so ids and store host name it.
	checkPulled(t, res.Messages, sent, topic, broker)
	if cfg["slaveReadEnable"] == "false" && res.SuggestWhichBrokerID != 0 {
		t.Errorf("slave without slaveReadEnable suggests broker %d, want 0 (master)", res.SuggestWhichBrokerID)
	}
}

func TestRealACL(t *testing.T) {
	aclBroker, ak, sk := os.Getenv("RMQ_TEST_ACL_BROKER"), os.Getenv("RMQ_TEST_ACCESS_KEY"), os.Getenv("RMQ_TEST_SECRET_KEY")
	if aclBroker == "" || ak == "" || sk == "" {
		t.Skip("real-broker test: set RMQ_TEST_ACL_BROKER, RMQ_TEST_ACCESS_KEY and RMQ_TEST_SECRET_KEY (an admin account) to run it")
	}
	ctx := realCtx(t)

	signed := New(WithCredentials(ak, sk))
	defer signed.Close()
	if _, err := signed.BrokerRuntimeInfo(ctx, aclBroker); err != nil {
		t.Fatalf("signed request refused: %v", err)
	}
	// Many header fields and a body-less request: the whole sorted
	// concatenation must match the broker's.
	topic := uniqueTopic("acl")
	if err := signed.CreateTopic(ctx, aclBroker, TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1}); err != nil {
		t.Fatalf("signed create refused: %v", err)
	}
	// A body is part of the signed content too.
	sent := sendTestMessage(ctx, t, signed, aclBroker, topic, 0, []byte("signed body"), "ka", "tagA", false)
	waitDispatched(ctx, t, signed, aclBroker, topic, 1)
	res, err := signed.Pull(ctx, aclBroker, PullRequest{Group: "remoting_it_group", Topic: topic})
	if err != nil || res.Status != Found {
		t.Fatalf("signed pull: %+v %v", res, err)
	}
	checkPulled(t, res.Messages, []sentMessage{sent}, topic, aclBroker)

	var re *ResponseError
	unsigned := New()
	defer unsigned.Close()
	if _, err := unsigned.BrokerRuntimeInfo(ctx, aclBroker); !errors.As(err, &re) {
		t.Errorf("unsigned request: want a refusal, got %v", err)
	}
	wrong := New(WithCredentials(ak, sk+"x"))
	defer wrong.Close()
	if _, err := wrong.BrokerRuntimeInfo(ctx, aclBroker); !errors.As(err, &re) || !strings.Contains(strings.ToLower(re.Remark), "signature") {
		t.Errorf("wrong secret: want a signature refusal, got %v", err)
	}
}
