package remoting_test

// Tests against a real RocketMQ 4.9 deployment. By default they start one
// on loopback with target/local (testenv.Start: 1 shard of a master and
// a slave, plus a 1x1 ACL topology for TestRealACL), so plain `go test`
// runs them; -short skips them. The environment can point them at other
// servers instead:
//
//	RMQ_TEST_NAMESRV     namesrv address, e.g. 127.0.0.1:9876
//	RMQ_TEST_BROKER      a MASTER broker registered there (brokerIP1:listenPort)
//	RMQ_TEST_SLAVE       optional: a SLAVE of that master
//	RMQ_TEST_ACL_BROKER  a broker with aclEnable=true, used with
//	RMQ_TEST_ACCESS_KEY / RMQ_TEST_SECRET_KEY of an admin account
//
// The tests create uniquely named topics (remoting_it_*) and write a few
// messages; there is no delete, so point them at a disposable cluster.
//
// They live in package remoting_test, which may import target/local (it
// imports remoting), and use only the package's exported API; messages are
// written with the test's own sender (sender_test.go).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/target/local"
	"github.com/rmqkb/conformance/testenv"
)

// Response codes the checks expect (RocketMQ 4.x ResponseCode); the
// package keeps its own copies unexported.
const (
	codeSystemError          = 1
	codePullRetryImmediately = 20
)

// realServers are the servers a run checks.
type realServers struct {
	namesrv, broker, slave string // slave may be empty in env mode
}

// servers returns the servers named by the environment or, by default,
// those of a local topology of one shard with a master and a slave,
// stopped when t ends.
func servers(t *testing.T) realServers {
	t.Helper()
	if ns, b := os.Getenv("RMQ_TEST_NAMESRV"), os.Getenv("RMQ_TEST_BROKER"); ns != "" || b != "" {
		if ns == "" || b == "" {
			t.Fatal("set both RMQ_TEST_NAMESRV and RMQ_TEST_BROKER (a master), or neither to use a local topology")
		}
		return realServers{namesrv: ns, broker: b, slave: os.Getenv("RMQ_TEST_SLAVE")}
	}
	if testing.Short() {
		t.Skip("real-broker test: starts a local RocketMQ topology; not in -short mode")
	}
	c := testenv.Start(t, 1, 2)
	ctx := realCtx(t)
	nss, err := c.Namesrvs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := c.Shards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nss) == 0 || len(shards) != 1 || len(shards[0].Brokers) != 2 {
		t.Fatalf("local topology: namesrvs %v, shards %+v; want 1 shard of 2", nss, shards)
	}
	return realServers{namesrv: nss[0], broker: shards[0].Brokers[0].Addr, slave: shards[0].Brokers[1].Addr}
}

// TestReal runs every real-broker check on one topology.
func TestReal(t *testing.T) {
	s := servers(t)
	t.Run("BrokerConfigAndRuntime", func(t *testing.T) { testBrokerConfigAndRuntime(t, s) })
	t.Run("ClusterInfo", func(t *testing.T) { testClusterInfo(t, s) })
	t.Run("CreateTopicAndRoute", func(t *testing.T) { testCreateTopicAndRoute(t, s) })
	t.Run("Pull", func(t *testing.T) { testPull(t, s) })
	t.Run("Slave", func(t *testing.T) { testSlave(t, s) })
	t.Run("UpdateBrokerConfig", func(t *testing.T) { testUpdateBrokerConfig(t, s) })
}

// testUpdateBrokerConfig sets the broker's brokerPermission to the value
// it has (what scenarios do to make a broker register at once): the
// broker takes it, and its config reads as before.
func testUpdateBrokerConfig(t *testing.T, s realServers) {
	ctx := realCtx(t)
	c := remoting.New()
	defer c.Close()
	before, err := c.BrokerConfig(ctx, s.broker)
	if err != nil {
		t.Fatal(err)
	}
	perm := before["brokerPermission"]
	if perm == "" {
		t.Fatalf("the broker's config has no brokerPermission (%d keys)", len(before))
	}
	if err := c.UpdateBrokerConfig(ctx, s.broker, map[string]string{"brokerPermission": perm}); err != nil {
		t.Fatal(err)
	}
	after, err := c.BrokerConfig(ctx, s.broker)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"brokerPermission", "brokerName", "brokerRole", "listenPort"} {
		if after[k] != before[k] {
			t.Errorf("%s = %q after the update, was %q", k, after[k], before[k])
		}
	}
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
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := wait.Until(ctx, 200*time.Millisecond, "the condition", func(context.Context) (bool, string, error) {
		err := f()
		return err == nil, wait.Reason(err), nil
	})
	if err != nil {
		t.Fatalf("not within %v: %v", d, err)
	}
}

// runtimeInfo reads GET_BROKER_RUNTIME_INFO, retrying for a few seconds
// while the broker fails it with NoSuchElementException: a 4.9 broker's
// StoreStatsService has no TPS sample during its first second, and
// getPutTps then calls getLast on an empty list. A just-registered broker
// of a small local topology can be asked that early.
func runtimeInfo(ctx context.Context, t *testing.T, c *remoting.Client, addr string) map[string]string {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var rt map[string]string
	err := wait.Until(wctx, 200*time.Millisecond, "runtime info of "+addr, func(ctx context.Context) (bool, string, error) {
		var err error
		rt, err = c.BrokerRuntimeInfo(ctx, addr)
		var re *remoting.ResponseError
		if err != nil && (!errors.As(err, &re) || !strings.Contains(re.Remark, "NoSuchElementException")) {
			return false, "", err
		}
		return err == nil, wait.Reason(err), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func testBrokerConfigAndRuntime(t *testing.T, s realServers) {
	broker := s.broker
	ctx := realCtx(t)
	c := remoting.New()
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

	rt := runtimeInfo(ctx, t, c, broker)
	if _, err := strconv.ParseInt(rt["commitLogMaxOffset"], 10, 64); err != nil {
		t.Errorf("commitLogMaxOffset %q: %v", rt["commitLogMaxOffset"], err)
	}
	if !strings.HasPrefix(rt["brokerVersionDesc"], "V4_") {
		t.Errorf("brokerVersionDesc %q, want a 4.x broker", rt["brokerVersionDesc"])
	}
}

func testClusterInfo(t *testing.T, s realServers) {
	namesrv, broker := s.namesrv, s.broker
	ctx := realCtx(t)
	c := remoting.New()
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
	if s.slave != "" {
		if got := bd.BrokerAddrs[1]; got != s.slave {
			t.Errorf("cluster info lists broker id 1 at %q, want the slave %s", got, s.slave)
		}
	}
}

func testCreateTopicAndRoute(t *testing.T, s realServers) {
	namesrv, broker := s.namesrv, s.broker
	ctx := realCtx(t)
	c := remoting.New()
	defer c.Close()

	cfg, err := c.BrokerConfig(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	topic := uniqueTopic("route")
	if _, err := c.TopicRoute(ctx, namesrv, topic); !remoting.IsTopicNotExist(err) {
		t.Fatalf("route of a topic not yet created: want TOPIC_NOT_EXIST, got %v", err)
	}
	if err := c.CreateTopic(ctx, broker, remoting.TopicConfig{TopicName: topic, ReadQueueNums: 3, WriteQueueNums: 2}); err != nil {
		t.Fatal(err)
	}

	tcs, err := c.TopicConfigs(ctx, broker)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tcs[topic], (remoting.TopicConfig{TopicName: topic, ReadQueueNums: 3, WriteQueueNums: 2, Perm: 6}); got != want {
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
	err = c.CreateTopic(ctx, broker, remoting.TopicConfig{TopicName: "bad topic!", ReadQueueNums: 1, WriteQueueNums: 1})
	var re *remoting.ResponseError
	if !errors.As(err, &re) || re.Request != remoting.UpdateAndCreateTopic || re.Code != codeSystemError {
		t.Fatalf("illegal topic name: want SYSTEM_ERROR remoting.ResponseError, got %v", err)
	}
}

// waitDispatched waits until queue 0 of topic holds n messages. A send
// is acknowledged once it is in the commit log; the consume queue that
// GET_MAX_OFFSET and PULL_MESSAGE read is filled asynchronously
// (ReputMessageService), so it can lag the acknowledgement briefly.
func waitDispatched(ctx context.Context, t *testing.T, c *remoting.Client, broker, topic string, n int64) {
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
func checkPulled(t *testing.T, got []remoting.Message, want []sentMessage, topic, storeHost string) {
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

func testPull(t *testing.T, s realServers) {
	broker := s.broker
	ctx := realCtx(t)
	c := remoting.New()
	defer c.Close()
	var snd sender

	topic := uniqueTopic("pull")
	if err := c.CreateTopic(ctx, broker, remoting.TopicConfig{TopicName: topic, ReadQueueNums: 2, WriteQueueNums: 2}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 512) // 8 KiB
	sent := []sentMessage{
		snd.send(ctx, t, broker, topic, 0, []byte("first"), "k1", "tagA", false),
		snd.send(ctx, t, broker, topic, 0, []byte("second"), "k2 k2b", "tagB", false),
		snd.send(ctx, t, broker, topic, 0, big, "k3", "tagA", true),
	}

	waitDispatched(ctx, t, c, broker, topic, 3)
	if off, err := c.MinOffset(ctx, broker, topic, 0); err != nil || off != 0 {
		t.Fatalf("min offset %d, %v; want 0", off, err)
	}
	if off, err := c.MaxOffset(ctx, broker, topic, 1); err != nil || off != 0 {
		t.Fatalf("max offset of the empty queue %d, %v; want 0", off, err)
	}

	group := "remoting_it_group"
	res, err := c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != remoting.Found || res.NextBeginOffset != 3 || res.MaxOffset != 3 || res.MinOffset != 0 {
		t.Fatalf("pull: %v next %d min %d max %d", res.Status, res.NextBeginOffset, res.MinOffset, res.MaxOffset)
	}
	checkPulled(t, res.Messages, sent, topic, broker)

	res, err = c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 1, MaxMsgs: 1})
	if err != nil || res.Status != remoting.Found || res.NextBeginOffset != 2 {
		t.Fatalf("pull one from offset 1: %+v %v", res, err)
	}
	checkPulled(t, res.Messages, sent[1:2], topic, broker)

	res, err = c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0, SubExpression: "tagA"})
	if err != nil || res.Status != remoting.Found {
		t.Fatalf("pull tagA: %+v %v", res, err)
	}
	checkPulled(t, res.Messages, []sentMessage{sent[0], sent[2]}, topic, broker)

	res, err = c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0, SubExpression: "nosuchtag"})
	if err != nil || res.Status != remoting.NoMatchedMsg || res.Code != codePullRetryImmediately {
		t.Fatalf("pull of an unmatched tag: %+v %v", res, err)
	}

	res, err = c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 3})
	if err != nil || res.Status != remoting.NoNewMsg {
		t.Fatalf("pull at the end: %+v %v", res, err)
	}
	res, err = c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 100})
	if err != nil || res.Status != remoting.OffsetIllegal || res.NextBeginOffset != 3 {
		t.Fatalf("pull far past the end: %+v %v", res, err)
	}

	start := time.Now()
	res, err = c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 0, Offset: 3, SuspendTimeout: 1500 * time.Millisecond})
	if err != nil || res.Status != remoting.NoNewMsg {
		t.Fatalf("long poll: %+v %v", res, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("long poll answered after %v; the broker should have held it ~1.5s", d)
	}

	var re *remoting.ResponseError
	if _, err := c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: topic, QueueID: 5}); !errors.As(err, &re) || re.Code != codeSystemError {
		t.Errorf("queue beyond readQueueNums: want SYSTEM_ERROR, got %v", err)
	}
	if _, err := c.Pull(ctx, broker, remoting.PullRequest{Group: group, Topic: uniqueTopic("absent"), QueueID: 0}); !remoting.IsTopicNotExist(err) {
		t.Errorf("pull of an unknown topic: want TOPIC_NOT_EXIST, got %v", err)
	}
}

func testSlave(t *testing.T, s realServers) {
	broker, slave := s.broker, s.slave
	if slave == "" {
		t.Skip("real-broker test: set RMQ_TEST_SLAVE (a slave of RMQ_TEST_BROKER) to run it")
	}
	ctx := realCtx(t)
	c := remoting.New()
	defer c.Close()
	var snd sender

	cfg, err := c.BrokerConfig(ctx, slave)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["brokerRole"] != "SLAVE" {
		t.Fatalf("RMQ_TEST_SLAVE brokerRole %q", cfg["brokerRole"])
	}

	topic := uniqueTopic("slave")
	var re *remoting.ResponseError
	if err := c.CreateTopic(ctx, slave, remoting.TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1}); !errors.As(err, &re) || re.Code != codeSystemError {
		t.Fatalf("create on a slave: want SYSTEM_ERROR, got %v", err)
	}
	if err := c.CreateTopic(ctx, broker, remoting.TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1}); err != nil {
		t.Fatal(err)
	}
	sent := []sentMessage{snd.send(ctx, t, broker, topic, 0, []byte("replicated"), "ks", "tagS", false)}

	// The slave learns topics every ~10s and the data over HA.
	var res *remoting.PullResult
	eventually(t, 60*time.Second, func() error {
		res, err = c.Pull(ctx, slave, remoting.PullRequest{Group: "remoting_it_group", Topic: topic})
		if err != nil {
			return err
		}
		if res.Status != remoting.Found {
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

// aclServers returns an ACL broker and an admin account: from the
// environment or, by default, a local 1x1 topology in ACL mode whose
// account (WithACLAccount) has keys made up for the run. c is nil in env
// mode.
func aclServers(t *testing.T) (broker, ak, sk string, c *local.Cluster) {
	t.Helper()
	broker, ak, sk = os.Getenv("RMQ_TEST_ACL_BROKER"), os.Getenv("RMQ_TEST_ACCESS_KEY"), os.Getenv("RMQ_TEST_SECRET_KEY")
	if broker != "" || ak != "" || sk != "" {
		if broker == "" || ak == "" || sk == "" {
			t.Fatal("set all of RMQ_TEST_ACL_BROKER, RMQ_TEST_ACCESS_KEY and RMQ_TEST_SECRET_KEY (an admin account), or none to use a local topology")
		}
		return broker, ak, sk, nil
	}
	if testing.Short() {
		t.Skip("real-broker test: starts a local RocketMQ topology; not in -short mode")
	}
	// Longer than 6 characters, which RocketMQ requires of both keys.
	ak, sk = "rocketmq-admin", randomKey(t)
	m := manifests.DefaultCluster().WithShape(1, 1).WithMode(topology.Mode{ACL: true})
	c = testenv.StartCluster(t, m, local.WithACLAccount(ak, sk))
	shards, err := c.Shards(realCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	return shards[0].Brokers[0].Addr, ak, sk, c
}

func randomKey(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestRealACL checks request signing against a broker with aclEnable=true.
// The secret key is never logged: failures quote errors, which carry the
// broker's remark (it names the access key only).
func TestRealACL(t *testing.T) {
	aclBroker, ak, sk, cluster := aclServers(t)
	ctx := realCtx(t)
	// The local topology whitelists its own /24, 127.0.0.*, as the addon
	// whitelists the pods'; these clients come from outside it.
	var from []remoting.Option
	if cluster != nil {
		from = append(from, remoting.WithSource(cluster.Abilities().Source))
	}
	client := func(opts ...remoting.Option) *remoting.Client { return remoting.New(append(opts, from...)...) }

	signed := client(remoting.WithCredentials(ak, sk))
	defer signed.Close()
	if _, err := signed.BrokerConfig(ctx, aclBroker); err != nil {
		t.Fatalf("signed request refused: %v", err)
	}
	runtimeInfo(ctx, t, signed, aclBroker)
	// Many header fields and a body-less request: the whole sorted
	// concatenation must match the broker's.
	topic := uniqueTopic("acl")
	if err := signed.CreateTopic(ctx, aclBroker, remoting.TopicConfig{TopicName: topic, ReadQueueNums: 1, WriteQueueNums: 1}); err != nil {
		t.Fatalf("signed create refused: %v", err)
	}
	// A body is part of the signed content too. (The test's own sender
	// dials from 127.0.0.1, inside the local whitelist, so the signed
	// send is the package's.)
	res, err := signed.Send(ctx, aclBroker, remoting.SendRequest{Group: "remoting_it_group", Topic: topic, Body: []byte("signed body"), Properties: map[string]string{"KEYS": "ka", "TAGS": "tagA"}})
	if err != nil || res.QueueOffset != 0 {
		t.Fatalf("signed send: %+v %v", res, err)
	}
	waitDispatched(ctx, t, signed, aclBroker, topic, 1)
	pulled, err := signed.Pull(ctx, aclBroker, remoting.PullRequest{Group: "remoting_it_group", Topic: topic})
	if err != nil || pulled.Status != remoting.Found {
		t.Fatalf("signed pull: %+v %v", pulled, err)
	}
	if len(pulled.Messages) != 1 || pulled.Messages[0].Keys() != "ka" || string(pulled.Messages[0].Body) != "signed body" || pulled.Messages[0].MsgID != res.MsgID {
		t.Errorf("signed pull returned %+v, want the signed message %s", pulled.Messages, res.MsgID)
	}

	// The broker refuses in its ACL hook, with SYSTEM_ERROR and the
	// AclException in the remark.
	var re *remoting.ResponseError
	unsigned := client()
	defer unsigned.Close()
	if _, err := unsigned.BrokerConfig(ctx, aclBroker); !errors.As(err, &re) || !strings.Contains(re.Remark, "AclException") {
		t.Errorf("unsigned request: want an ACL refusal, got %v", err)
	}
	wrong := client(remoting.WithCredentials(ak, sk+"x"))
	defer wrong.Close()
	if _, err := wrong.BrokerConfig(ctx, aclBroker); !errors.As(err, &re) || !strings.Contains(strings.ToLower(re.Remark), "signature") {
		t.Errorf("wrong secret: want a signature refusal, got %v", err)
	}
	if cluster != nil {
		t.Run("LocalTarget", func(t *testing.T) { testLocalACL(t, cluster, ak, sk) })
	}
}

// testLocalACL checks what WithACLAccount promises beyond the broker refusing
// unsigned requests (which TestRealACL just saw): the target reports the
// account, mqadmin signs with it, and the secret stays out of every log.
func testLocalACL(t *testing.T, c *local.Cluster, ak, sk string) {
	ctx := realCtx(t)
	if gotAK, gotSK := c.Credentials(); gotAK != ak || gotSK != sk {
		t.Errorf("Credentials() returned access key %q and a secret that %s the configured one", gotAK, map[bool]string{true: "matches", false: "does not match"}[gotSK == sk])
	}
	shards, err := c.Shards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := shards[0].Brokers[0]
	out, err := c.MQAdmin(ctx, "brokerStatus", "-b", b.Addr)
	if err != nil {
		t.Fatalf("mqadmin on the ACL topology: %v", strings.ReplaceAll(err.Error(), sk, "<secret>"))
	}
	if !strings.Contains(out, "brokerVersionDesc") {
		t.Errorf("mqadmin brokerStatus printed no runtime table:\n%s", strings.ReplaceAll(out, sk, "<secret>"))
	}
	if strings.Contains(out, sk) {
		t.Error("mqadmin output holds the secret key")
	}
	// The log is still written, exceptions included: the wrong-secret
	// refusal above is in it.
	logs := c.LogTail(b.Pod, 100000)
	if !strings.Contains(logs, "Check signature failed") {
		t.Errorf("the logs of %s do not show the refused wrong-secret request", b.Pod)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, sk) {
			t.Errorf("the logs of %s hold the secret key: %s", b.Pod, strings.ReplaceAll(line, sk, "<secret>"))
		}
	}
}
