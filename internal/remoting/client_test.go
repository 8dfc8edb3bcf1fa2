package remoting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCreateTopicNonSuccessIsResponseError(t *testing.T) {
	seen := make(chan *command, 1)
	srv := newFakeServer(t, func(req *command) *command {
		seen <- req
		return &command{Code: 1, Remark: "Can't modify topic or subscription group from slave broker, please execute it from master broker."}
	})
	c := New()
	defer c.Close()
	err := c.CreateTopic(context.Background(), srv.addr(), TopicConfig{TopicName: "T1", ReadQueueNums: 4, WriteQueueNums: 2})
	var re *ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *ResponseError, got %T %v", err, err)
	}
	if re.Request != UpdateAndCreateTopic || re.Code != 1 || re.Addr != srv.addr() {
		t.Fatalf("unexpected fields %+v", re)
	}
	wantMsg := "UPDATE_AND_CREATE_TOPIC to " + srv.addr() + ": code 1 (SYSTEM_ERROR): Can't modify"
	if !strings.HasPrefix(err.Error(), wantMsg) {
		t.Fatalf("error %q does not start with %q", err, wantMsg)
	}
	req := <-seen
	if req.Code != UpdateAndCreateTopic || req.Language != "GO" || req.Flag != 0 {
		t.Fatalf("request header %+v", req)
	}
	want := map[string]string{"topic": "T1", "readQueueNums": "4", "writeQueueNums": "2", "perm": "6",
		"defaultTopic": "TBW102", "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"}
	for k, v := range want {
		if req.ExtFields[k] != v {
			t.Errorf("extField %s = %q, want %q", k, req.ExtFields[k], v)
		}
	}
}

func TestResponseErrorText(t *testing.T) {
	err := &ResponseError{Addr: "127.0.0.1:10911", Request: GetBrokerConfig, Code: 1, Remark: "remark"}
	if got, want := err.Error(), "GET_BROKER_CONFIG to 127.0.0.1:10911: code 1 (SYSTEM_ERROR): remark"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if !IsTopicNotExist(fmt.Errorf("wrapped: %w", &ResponseError{Code: 17})) || IsTopicNotExist(err) || IsTopicNotExist(nil) {
		t.Fatal("IsTopicNotExist misclassifies")
	}
}

// A server that never answers: the per-request timeout and ctx
// cancellation must both end the call promptly, and the connection must
// stay usable for the next request.
func TestTimeoutAndCancelArePrompt(t *testing.T) {
	var mu sync.Mutex
	answer := false
	srv := newFakeServer(t, func(req *command) *command {
		mu.Lock()
		defer mu.Unlock()
		if !answer {
			return nil
		}
		return &command{Code: 0, ExtFields: map[string]string{"offset": "1"}}
	})

	// The client's own timeout ends the call: were it not applied, the
	// caller's cancel would, with another error.
	c := New(WithTimeout(200 * time.Millisecond))
	defer c.Close()
	parent, stop := context.WithCancel(context.Background())
	defer stop()
	time.AfterFunc(30*time.Second, stop)
	_, err := c.MaxOffset(parent, srv.addr(), "T", 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	if !strings.Contains(err.Error(), "GET_MAX_OFFSET to "+srv.addr()) {
		t.Fatalf("error does not name the request: %v", err)
	}

	slow := New(WithTimeout(time.Minute))
	defer slow.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = slow.BrokerConfig(ctx, srv.addr())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want canceled (the client's own minute would end in a deadline), got %v", err)
	}

	// The caller's deadline ends the call, long before the client's own
	// minute: the guard below fails the test at 30 s instead of letting it
	// hang until the minute passes and a deadline error comes anyway.
	dctx, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	done := make(chan error, 1)
	go func() { _, err := slow.ClusterInfo(dctx, srv.addr()); done <- err }()
	select {
	case err = <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want the caller's deadline, got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ClusterInfo outlived its caller's 100 ms deadline by 30 s")
	}

	mu.Lock()
	answer = true
	mu.Unlock()
	if off, err := c.MaxOffset(context.Background(), srv.addr(), "T", 0); err != nil || off != 1 {
		t.Fatalf("connection unusable after a timeout: %d %v", off, err)
	}
	if n := srv.accepts.Load(); n != 2 {
		t.Fatalf("%d connections accepted, want one per client (2)", n)
	}
}

// An unreachable address fails the dial within the timeout.
func TestDialTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := New(WithTimeout(500 * time.Millisecond))
	defer c.Close()
	if _, err := c.BrokerRuntimeInfo(context.Background(), addr); err == nil || !strings.Contains(err.Error(), "dial") {
		t.Fatalf("want dial error, got %v", err)
	}
}

// Concurrent requests share one connection; replies arriving in reverse
// order still reach the right callers.
func TestConcurrentOutOfOrder(t *testing.T) {
	srv := newFakeServer(t, func(req *command) *command {
		q, _ := strconv.Atoi(req.ExtFields["queueId"])
		time.Sleep(time.Duration(20-q) * 5 * time.Millisecond)
		return &command{Code: 0, ExtFields: map[string]string{"offset": strconv.Itoa(q * 100)}}
	})
	c := New()
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for q := 0; q < 20; q++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			off, err := c.MinOffset(context.Background(), srv.addr(), "T", q)
			if err != nil || off != int64(q*100) {
				errs <- fmt.Errorf("queue %d: offset %d err %v", q, off, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.accepts.Load(); n != 1 {
		t.Errorf("%d connections for one address", n)
	}
}

// When the server drops the connection the next call dials again.
func TestRedialAfterConnectionLoss(t *testing.T) {
	srv := newFakeServer(t, func(req *command) *command {
		return &command{Code: 0, Body: []byte(`{"table":{"commitLogMaxOffset":"0"}}`)}
	})
	c := New()
	defer c.Close()
	if _, err := c.BrokerRuntimeInfo(context.Background(), srv.addr()); err != nil {
		t.Fatal(err)
	}
	srv.dropConns()
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := c.BrokerRuntimeInfo(context.Background(), srv.addr())
		if err == nil {
			break
		}
		// A call racing the close may see the dying connection once.
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after connection loss: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.accepts.Load(); n != 2 {
		t.Fatalf("%d connections accepted, want 2", n)
	}

	c.Close()
	if _, err := c.BrokerRuntimeInfo(context.Background(), srv.addr()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("closed client: want net.ErrClosed, got %v", err)
	}
}

func TestNamesrvCallsFastjson(t *testing.T) {
	srv := newFakeServer(t, func(req *command) *command {
		switch req.Code {
		case GetBrokerClusterInfo:
			return &command{Body: []byte(`{"brokerAddrTable":{"b":{"brokerAddrs":{0:"h:1",1:"h:2"},"brokerName":"b","cluster":"c"}},"clusterAddrTable":{"c":["b"]}}`)}
		case GetRouteInfoByTopic:
			if req.ExtFields["topic"] != "T" {
				return &command{Code: 17, Remark: "No topic route info in name server for the topic: " + req.ExtFields["topic"]}
			}
			return &command{Body: []byte(`{"brokerDatas":[{"brokerAddrs":{0:"h:1"},"brokerName":"b","cluster":"c"}],"filterServerTable":{},"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":2}]}`)}
		}
		return &command{Code: 3, Remark: "request type not supported"}
	})
	c := New()
	defer c.Close()
	ctx := context.Background()
	ci, err := c.ClusterInfo(ctx, srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	if ci.BrokerAddrTable["b"].BrokerAddrs[1] != "h:2" || ci.ClusterAddrTable["c"][0] != "b" {
		t.Fatalf("cluster info %+v", ci)
	}
	rt, err := c.TopicRoute(ctx, srv.addr(), "T")
	if err != nil {
		t.Fatal(err)
	}
	if len(rt.QueueDatas) != 1 || rt.QueueDatas[0].ReadQueueNums != 4 || rt.QueueDatas[0].WriteQueueNums != 2 || rt.BrokerDatas[0].BrokerAddrs[0] != "h:1" {
		t.Fatalf("route %+v", rt)
	}
	if _, err := c.TopicRoute(ctx, srv.addr(), "missing"); !IsTopicNotExist(err) {
		t.Fatalf("want topic-not-exist, got %v", err)
	}
	if _, err := c.BrokerConfig(ctx, srv.addr()); err == nil || !strings.Contains(err.Error(), "code 3 (REQUEST_CODE_NOT_SUPPORTED)") {
		t.Fatalf("want REQUEST_CODE_NOT_SUPPORTED, got %v", err)
	}
}

func TestPullStatusMapping(t *testing.T) {
	rec := testRecord{queueID: 1, queueOffset: 5, commitLogOffset: 99, bornIP: net.IPv4(1, 2, 3, 4),
		storeIP: net.IPv4(127, 0, 0, 1), storePort: 10911, body: []byte("m"), topic: "T", props: "KEYS\x01k"}.build()
	var got *command
	var mu sync.Mutex
	reply := func(code int, remark string, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		got = &command{Code: code, Remark: remark, Body: body, ExtFields: map[string]string{
			"nextBeginOffset": "6", "minOffset": "0", "maxOffset": "6", "suggestWhichBrokerId": "1"}}
	}
	seen := make(chan *command, 10)
	srv := newFakeServer(t, func(req *command) *command {
		seen <- req
		mu.Lock()
		defer mu.Unlock()
		return got
	})
	c := New()
	defer c.Close()
	pr := PullRequest{Group: "g", Topic: "T", QueueID: 1, Offset: 5}
	cases := []struct {
		code   int
		remark string
		body   []byte
		want   PullStatus
	}{
		{0, "FOUND", rec, Found},
		{19, "NO_MESSAGE_IN_QUEUE", nil, NoNewMsg},
		{19, "OFFSET_OVERFLOW_ONE", nil, NoNewMsg},
		{20, "NO_MATCHED_MESSAGE", nil, NoMatchedMsg},
		{20, "MESSAGE_WAS_REMOVING", nil, RetryImmediately},
		{21, "OFFSET_TOO_SMALL", nil, OffsetIllegal},
	}
	for _, tc := range cases {
		reply(tc.code, tc.remark, tc.body)
		res, err := c.Pull(context.Background(), srv.addr(), pr)
		if err != nil {
			t.Fatalf("code %d: %v", tc.code, err)
		}
		if res.Status != tc.want || res.Code != tc.code || res.NextBeginOffset != 6 || res.MaxOffset != 6 || res.SuggestWhichBrokerID != 1 {
			t.Fatalf("code %d %s: got %+v (%v), want %v", tc.code, tc.remark, res, res.Status, tc.want)
		}
		if tc.want == Found && (len(res.Messages) != 1 || res.Messages[0].Keys() != "k" || res.Messages[0].QueueOffset != 5) {
			t.Fatalf("messages %+v", res.Messages)
		}
	}
	req := <-seen
	want := map[string]string{"consumerGroup": "g", "topic": "T", "queueId": "1", "queueOffset": "5",
		"maxMsgNums": "32", "sysFlag": "4", "commitOffset": "0", "suspendTimeoutMillis": "0",
		"subscription": "*", "subVersion": "0", "expressionType": "TAG"}
	for k, v := range want {
		if req.ExtFields[k] != v {
			t.Errorf("pull extField %s = %q, want %q", k, req.ExtFields[k], v)
		}
	}

	reply(26, "subscription group [g] does not exist", nil)
	_, err := c.Pull(context.Background(), srv.addr(), pr)
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != 26 || re.Request != PullMessage {
		t.Fatalf("want ResponseError 26, got %v", err)
	}
	if PullStatus(99).String() != "PullStatus(99)" || OffsetIllegal.String() != "OffsetIllegal" {
		t.Fatal("PullStatus.String")
	}
}

// With long polling the broker may hold the reply for SuspendTimeout and
// then until its next 5s hold check; that must not trip the ordinary
// per-request timeout.
func TestPullSuspendExtendsTimeout(t *testing.T) {
	srv := newFakeServer(t, func(req *command) *command {
		if req.ExtFields["sysFlag"] != "6" || req.ExtFields["suspendTimeoutMillis"] != "400" {
			return &command{Code: 1, Remark: "bad header " + req.ExtFields["sysFlag"]}
		}
		time.Sleep(700 * time.Millisecond) // past the suspend timeout
		return &command{Code: 19, ExtFields: map[string]string{
			"nextBeginOffset": "0", "minOffset": "0", "maxOffset": "0", "suggestWhichBrokerId": "0"}}
	})
	c := New(WithTimeout(100 * time.Millisecond))
	defer c.Close()
	res, err := c.Pull(context.Background(), srv.addr(), PullRequest{Group: "g", Topic: "T", SuspendTimeout: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != NoNewMsg {
		t.Fatalf("status %v", res.Status)
	}
}

// TestClusterInfoAsksAgainAfterASerializationRace: a 4.9 namesrv that
// throws while serializing its tables is asked again; any other error, or
// the race every time, is returned.
func TestClusterInfoAsksAgainAfterASerializationRace(t *testing.T) {
	var calls atomic.Int32
	racing := int32(2)
	srv := newFakeServer(t, func(req *command) *command {
		if calls.Add(1) <= racing {
			return &command{Code: 1, Remark: "java.util.ConcurrentModificationException, java.base/java.util.HashMap$HashIterator.nextNode(HashMap.java:1597)"}
		}
		return &command{Body: []byte(`{"brokerAddrTable":{},"clusterAddrTable":{}}`)}
	})
	c := New()
	defer c.Close()
	if _, err := c.ClusterInfo(context.Background(), srv.addr()); err != nil || calls.Load() != 3 {
		t.Fatalf("after two races: err %v, %d calls; want the third answer", err, calls.Load())
	}
	calls.Store(0)
	racing = 100
	if _, err := c.ClusterInfo(context.Background(), srv.addr()); !isSerializationRace(err) || calls.Load() != 5 {
		t.Fatalf("racing every time: err %v after %d calls; want the race after 5", err, calls.Load())
	}
}

// TestSendFlushDiskTimeoutIsAStoredWrite: a broker that stored the message
// but answered FLUSH_DISK_TIMEOUT gives its queue and offset with a
// warning; SLAVE_NOT_AVAILABLE stays an error.
func TestSendFlushDiskTimeoutIsAStoredWrite(t *testing.T) {
	for _, tc := range []struct {
		code    int
		warning string
		err     string
	}{
		{0, "", ""},
		{10, "FLUSH_DISK_TIMEOUT", ""},
		{11, "", "code 11 (SLAVE_NOT_AVAILABLE)"},
	} {
		srv := newFakeServer(t, func(req *command) *command {
			return &command{Code: tc.code, ExtFields: map[string]string{"msgId": "M", "queueId": "2", "queueOffset": "41"}}
		})
		c := New()
		res, err := c.Send(context.Background(), srv.addr(), SendRequest{Group: "g", Topic: "T", QueueID: 2, Body: []byte("b")})
		c.Close()
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("code %d: err %v, want %q", tc.code, err, tc.err)
			}
		case err != nil:
			t.Errorf("code %d: %v", tc.code, err)
		case res.QueueID != 2 || res.QueueOffset != 41 || res.Warning != tc.warning:
			t.Errorf("code %d: %+v, want queue 2 offset 41 warning %q", tc.code, res, tc.warning)
		}
	}
}

// TestUpdateBrokerConfigSendsProperties: the request is
// UPDATE_BROKER_CONFIG with the properties as a Java properties body, in
// key order; a value that would break that body is refused before
// anything is sent.
func TestUpdateBrokerConfigSendsProperties(t *testing.T) {
	seen := make(chan *command, 1)
	srv := newFakeServer(t, func(req *command) *command {
		seen <- req
		return &command{Code: 0}
	})
	c := New()
	defer c.Close()
	if err := c.UpdateBrokerConfig(context.Background(), srv.addr(), map[string]string{"brokerPermission": "6", "a.b": "x=y"}); err != nil {
		t.Fatal(err)
	}
	req := <-seen
	if req.Code != UpdateBrokerConfig || string(req.Body) != "a.b=x=y\nbrokerPermission=6\n" {
		t.Errorf("sent code %d body %q", req.Code, req.Body)
	}
	for _, bad := range []map[string]string{{"k": "two\nlines"}, {"a=b": "1"}, {"": "1"}, {"k": `C:\path`}} {
		if err := c.UpdateBrokerConfig(context.Background(), srv.addr(), bad); err == nil {
			t.Errorf("%q was sent", bad)
		}
	}
	select {
	case req := <-seen:
		t.Errorf("a refused update was sent: %q", req.Body)
	default:
	}
}
