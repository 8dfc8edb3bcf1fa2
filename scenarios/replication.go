package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/scenarios/history"
)

func init() {
	register(
		Case{
			Suite: "replication", Name: "roles",
			Promise: "Each shard's master runs as ASYNC_MASTER with brokerId 0 and each slave as SLAVE with brokerId = its ordinal; every broker runs flushDiskType=SYNC_FLUSH and autoCreateTopicEnable=false; the platform's role label agrees with the broker's own brokerRole.",
			Description: "The addon's broker-setup.sh derives brokerId and role from the pod ordinal on first boot; its config template sets SYNC_FLUSH and no auto-create (facts sheet section 6). " +
				"The seed says only 'ASYNC_MASTER/SLAVE'; the flush and auto-create settings come from the addon source.",
			Needs: []Capability{Messaging},
			Run:   roles,
		},
		Case{
			Suite: "replication", Name: "async-catch-up",
			Promise:     "Each slave replicates its master asynchronously over the HA port: while writes go on it trails by a measured lag, and once they stop its commit log reaches the master's.",
			Description: "Lag in bytes is master minus slave commitLogMaxOffset (GET_BROKER_RUNTIME_INFO), sampled every 20 ms under load; lag in ms is, per acked message, the time until the slave was first seen past its commit log offset.",
			Needs:       []Capability{Messaging},
			Timeout:     90 * time.Second,
			Run:         asyncCatchUp,
		},
		Case{
			Suite: "replication", Name: "slave-content",
			Promise:     "Each slave serves the same messages as its master: every message read from a master is read from each of its slaves at the same queue offset with the same key and body.",
			Description: "Reads both sides with PULL_MESSAGE straight to each broker. A slave serves reads of a topic only after copying the topic config from its master, which it does every 10 s; the case waits for that.",
			Needs:       []Capability{Messaging},
			Timeout:     90 * time.Second,
			Run:         slaveContent,
		},
	)
}

func roles(ctx context.Context, t *T) {
	rc := t.admin()
	for _, s := range t.shards(ctx) {
		for _, b := range s.Brokers {
			cfg, err := rc.BrokerConfig(ctx, b.Addr)
			if err != nil {
				t.Errorf("broker %s (%s): GET_BROKER_CONFIG: %v", b.Pod, b.Addr, err)
				continue
			}
			wantRole, wantLabel := "SLAVE", "slave"
			if b.Ordinal == 0 {
				wantRole, wantLabel = "ASYNC_MASTER", "master"
			}
			want := []struct{ key, value string }{
				{"brokerRole", wantRole},
				{"brokerId", strconv.Itoa(b.Ordinal)},
				{"flushDiskType", "SYNC_FLUSH"},
				{"autoCreateTopicEnable", "false"},
			}
			for _, w := range want {
				if got := cfg[w.key]; got != w.value {
					t.Errorf("broker %s (shard %s, ordinal %d): %s=%s, the addon sets %s", b.Pod, s.Name, b.Ordinal, w.key, got, w.value)
				}
			}
			if b.RoleLabel != wantLabel {
				t.Errorf("broker %s: role label %q, expected %q for brokerRole %s", b.Pod, b.RoleLabel, wantLabel, cfg["brokerRole"])
			}
			t.Logf("%s: brokerRole=%s brokerId=%s flushDiskType=%s autoCreateTopicEnable=%s label=%s",
				b.Pod, cfg["brokerRole"], cfg["brokerId"], cfg["flushDiskType"], cfg["autoCreateTopicEnable"], b.RoleLabel)
		}
	}
}

func asyncCatchUp(ctx context.Context, t *T) {
	shards := t.shards(ctx)
	topic := uniqueName("conformance-repl")
	const queues, rate = 4, 200
	t.createTopic(ctx, topic, queues)
	h := history.New()
	p := t.producer(ctx)

	var mu sync.Mutex
	acks := map[string][]ackAt{}
	var badIDs int
	const every = 20 * time.Millisecond
	var samplers []*sampler
	for _, s := range shards {
		for _, sl := range s.Slaves() {
			samplers = append(samplers, t.startSampler(ctx, s.Master(), sl, every))
		}
	}
	onAck := func(shard string, res *primitive.SendResult, at time.Time) {
		off, err := commitLogOffset(res.OffsetMsgID)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			badIDs++
			return
		}
		acks[shard] = append(acks[shard], ackAt{at: at, offset: off})
	}
	l := startLoad(ctx, h, p, topic, shards, queues, rate, onAck)
	const loadFor = 3 * time.Second
	select {
	case <-time.After(loadFor): // the length of the load, not a wait for a condition
	case <-ctx.Done():
	}
	l.stop()
	loadStopped := time.Now()
	var allLagBytes []int64
	var allLags []time.Duration
	// One deadline for every slave: they replicate in parallel.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	type caught struct {
		after time.Duration // from the stop of writes
		err   error
	}
	results := make([]caught, len(samplers))
	var wg sync.WaitGroup
	for i, sm := range samplers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := t.awaitCaughtUp(cctx, sm.master, sm.slave, 20*time.Second)
			results[i] = caught{time.Since(loadStopped), err}
		}()
	}
	wg.Wait()
	for i, sm := range samplers {
		catchUp, err := results[i].after, results[i].err
		samples := sm.stop(ctx, t)
		if err != nil {
			t.Errorf("slave %s of %s did not catch up within 20 s after writes stopped: %v", sm.slave.Pod, sm.master.Shard, err)
			continue
		}
		t.Figure("catch_up_"+sm.slave.Pod, float64(catchUp.Milliseconds()), "ms")
		var lagBytes []int64
		for _, s := range samples {
			if s.at.Before(loadStopped) {
				lagBytes = append(lagBytes, max(0, s.master-s.slave))
			}
		}
		mu.Lock()
		lags := replicationLags(acks[sm.master.Shard], samples)
		n := len(acks[sm.master.Shard])
		mu.Unlock()
		if len(lags) < n {
			t.Errorf("slave %s was never seen holding %d of %d acked messages before sampling stopped", sm.slave.Pod, n-len(lags), n)
		}
		b50, b99, bmax := history.QuantilesInt(lagBytes)
		l50, l99, lmax := history.Quantiles(lags)
		t.Logf("%s -> %s: %d samples, %d acked messages; lag bytes p50 %d p99 %d max %d; lag ms p50 %d p99 %d max %d; caught up %s after writes stopped",
			sm.master.Pod, sm.slave.Pod, len(samples), n, b50, b99, bmax, l50.Milliseconds(), l99.Milliseconds(), lmax.Milliseconds(), catchUp.Round(time.Millisecond))
		allLagBytes = append(allLagBytes, lagBytes...)
		allLags = append(allLags, lags...)
	}
	if badIDs > 0 {
		t.Errorf("%d send results had an offset message id that does not carry a commit log offset", badIDs)
	}
	b50, b99, bmax := history.QuantilesInt(allLagBytes)
	l50, l99, lmax := history.Quantiles(allLags)
	t.Figure("lag_bytes_p50", float64(b50), "bytes")
	t.Figure("lag_bytes_p99", float64(b99), "bytes")
	t.Figure("lag_bytes_max", float64(bmax), "bytes")
	t.Figure("lag_ms_p50", float64(l50.Microseconds())/1000, "ms")
	t.Figure("lag_ms_p99", float64(l99.Microseconds())/1000, "ms")
	t.Figure("lag_ms_max", float64(lmax.Microseconds())/1000, "ms")
	t.Logf("load: %d messages/s per shard for %s; offsets sampled every %s", rate, loadFor, every)
	rep := h.Check("none")
	if rep.Acked == 0 {
		t.Errorf("no write was acknowledged: %s", rep)
	}
}

func slaveContent(ctx context.Context, t *T) {
	shards := t.shards(ctx)
	topic := uniqueName("conformance-content")
	const queues, perQueue = 4, 10
	t.createTopic(ctx, topic, queues)
	p := t.producer(ctx)
	for i := 0; i < perQueue; i++ {
		for _, s := range shards {
			for q := 0; q < queues; q++ {
				key := fmt.Sprintf("%s-%s-%d-%d", topic, s.Name, q, i)
				msg := primitive.NewMessage(topic, []byte("content of "+key))
				msg.WithKeys([]string{key})
				msg.Queue = &primitive.MessageQueue{Topic: topic, BrokerName: s.Name, QueueId: q}
				if _, err := p.SendSync(ctx, msg); err != nil {
					t.Fatalf("send %s: %v", key, err)
				}
			}
		}
	}
	t.awaitSlaveTopics(ctx, topic)
	compared := 0
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for _, s := range shards {
		for _, sl := range s.Slaves() {
			if _, err := t.awaitCaughtUp(cctx, s.Master(), sl, 20*time.Second); err != nil {
				t.Errorf("%v", err)
				continue
			}
			for q := 0; q < queues; q++ {
				want, err := t.readQueue(ctx, s.Master().Addr, topic, q)
				if err != nil {
					t.Fatalf("read master %s: %v", s.Master().Pod, err)
				}
				got, err := t.readQueue(ctx, sl.Addr, topic, q)
				if err != nil {
					t.Errorf("read slave %s: %v", sl.Pod, err)
					continue
				}
				if len(got) != len(want) {
					t.Errorf("%s queue %d: master %s holds %d messages, slave %s serves %d", s.Name, q, s.Master().Pod, len(want), sl.Pod, len(got))
				}
				for i := 0; i < min(len(got), len(want)); i++ {
					w, g := want[i], got[i]
					if w.QueueOffset != g.QueueOffset || w.Keys() != g.Keys() || !bytes.Equal(w.Body, g.Body) {
						t.Errorf("%s queue %d index %d: master has %s@%d, slave %s serves %s@%d", s.Name, q, i, w.Keys(), w.QueueOffset, sl.Pod, g.Keys(), g.QueueOffset)
					}
				}
				compared += len(want)
			}
		}
	}
	t.Figure("messages_compared", float64(compared), "")
	t.Logf("compared %d messages between masters and slaves", compared)
	if compared == 0 {
		t.Errorf("no message was compared")
	}
}
