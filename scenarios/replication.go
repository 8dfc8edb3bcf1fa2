package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/scenarios/replica"
	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of the replication cases.
var (
	rolesMaster      = verdict.Clause{ID: "master-role", Text: "default mode: masters run as ASYNC_MASTER with brokerId 0"}
	rolesSlave       = verdict.Clause{ID: "slave-role", Text: "default mode: slaves run as SLAVE with brokerId = ordinal"}
	rolesDLedgerOff  = verdict.Clause{ID: "dledger-off", Text: "default mode: DLedger is off, with no dLeger keys and nothing on the DLedger port"}
	rolesLeader      = verdict.Clause{ID: "dledger-leader", Text: "DLedger mode: each shard has one leader, SYNC_MASTER at brokerId 0 in every namesrv"}
	rolesFollowerIDs = verdict.Clause{ID: "dledger-follower-ids", Text: "DLedger mode: followers run as SLAVE at brokerId = member index + 1"}
	rolesDLedgerKeys = verdict.Clause{ID: "dledger-keys", Text: "DLedger mode: every member has the dLeger keys as the addon writes them"}
	rolesPeers       = verdict.Clause{ID: "dledger-peers", Text: "DLedger mode: every member names the same peers"}
	rolesSyncFlush   = verdict.Clause{ID: "sync-flush", Text: "every broker runs flushDiskType=SYNC_FLUSH"}
	rolesNoAuto      = verdict.Clause{ID: "no-auto-create", Text: "every broker runs autoCreateTopicEnable=false"}
	rolesLabel       = verdict.Clause{ID: "role-label", Text: "a platform role label agrees with the broker's role"}

	asyncAck     = verdict.Clause{ID: "async-ack", Text: "writes are acknowledged without waiting for the slave"}
	asyncSampled = verdict.Clause{ID: "lag-sampled", Text: "the lag is sampled throughout the writes"}
	asyncCaught  = verdict.Clause{ID: "catch-up", Text: "each slave catches up within 20 s"}

	contentMaster = verdict.Clause{ID: "master-holds", Text: "every acknowledged message is read from its master"}
	contentCount  = verdict.Clause{ID: "slave-count", Text: "each slave serves as many messages as its master"}
	contentSame   = verdict.Clause{ID: "slave-same", Text: "each slave serves the same key and body at the same offset"}
)

// replicationRolesCase is replication/roles.
var replicationRolesCase = Case{Case: verdict.Case{
	Suite: "replication", Name: "roles",
	Promise: "In the default mode each shard's master runs as ASYNC_MASTER with brokerId 0 and each slave as SLAVE with brokerId = its ordinal, with DLedger off; " +
		"in DLedger mode each shard has exactly one leader, SYNC_MASTER at brokerId 0 and registered there, its other members SLAVE at brokerId = member index + 1, each with the dLeger keys as the addon writes them and the same peers; " +
		"every broker runs flushDiskType=SYNC_FLUSH and autoCreateTopicEnable=false; where the platform labels roles, each broker's role label agrees with its own brokerRole.",
	Description: "The addon's broker-setup.sh derives brokerId and role from the pod ordinal on first boot, or in DLedger mode appends dLegerGroup=<shard>, dLegerSelfId=n<ordinal> and dLegerPeers naming every member at its dledger port; " +
		"its config template sets SYNC_FLUSH and no auto-create (facts sheet section 6; modes-and-management.md section 3). " +
		"With DLedger off nothing may listen on the dledger port (40911), which the addon declares anyway. " +
		"The label clause is checked where a platform sets kubeblocks.io/role (the kube target); the local target has no labels, and its evidence says so, as it does when a shard has no slave.",
	Clauses: []verdict.Clause{clauseBrokers, rolesMaster, rolesSlave, rolesDLedgerOff, rolesLeader, rolesFollowerIDs, rolesDLedgerKeys, rolesPeers,
		rolesSyncFlush, rolesNoAuto, rolesLabel},
	Needs: []verdict.Capability{verdict.Messaging},
}, Run: roles}

// asyncCatchUpCase is replication/async-catch-up.
var asyncCatchUpCase = Case{Case: verdict.Case{
	Suite: "replication", Name: "async-catch-up",
	Promise: "Each slave replicates its master asynchronously over the HA port: every write is acknowledged without waiting for the slave, the lag is sampled throughout the writes, and within 20 s after they stop each slave's commit log reaches its master's.",
	Description: "Lag in bytes is master minus slave commitLogMaxOffset (GET_BROKER_RUNTIME_INFO), sampled every 20 ms under load; lag in ms is, per acked message, the time until the slave was first seen past its commit log offset. " +
		"A master that waited on its slave (SYNC_MASTER) would answer SLAVE_NOT_AVAILABLE or FLUSH_SLAVE_TIMEOUT once the slave stops keeping up.",
	Clauses:     []verdict.Clause{clauseBrokers, asyncAck, asyncSampled, asyncCaught},
	Needs:       []verdict.Capability{verdict.Messaging},
	MinReplicas: 2,
	Timeout:     90 * time.Second,
}, Run: asyncCatchUp}

// slaveContentCase is replication/slave-content.
var slaveContentCase = Case{Case: verdict.Case{
	Suite: "replication", Name: "slave-content",
	Promise: "Each slave serves the same messages as its master: every acknowledged message is read from its master, and every message read from a master is read from each of its slaves at the same queue offset with the same key and body.",
	Description: "Reads both sides with PULL_MESSAGE straight to each broker, once the master covers every acknowledged offset and the slave the master's. " +
		"A slave serves reads of a topic only after copying the topic config from its master, which it does every 10 s; the case waits for that.",
	Clauses:     []verdict.Clause{clauseBrokers, clauseSent, contentMaster, contentCount, contentSame},
	Needs:       []verdict.Capability{verdict.Messaging},
	MinReplicas: 2,
	Timeout:     90 * time.Second,
}, Run: slaveContent, topics: []topicAhead{contentTopic}}

// contentTopic is replication/slave-content's topic, created ahead so
// that the slaves have synced it when the case starts.
var contentTopic = topicAhead{"conformance-content", 4}

func init() {
	register(
		replicationRolesCase,
		asyncCatchUpCase,
		slaveContentCase,
	)
}

func roles(ctx context.Context, t *T) {
	rc := adminOf(t)
	dledger := t.Target.Topology().Mode.DLedger
	labels := t.Target.Abilities().Lacks(verdict.RoleLabels)
	shards := awaitShards(ctx, t)
	slaves := 0
	for _, s := range shards {
		peers := map[string][]string{} // dLegerPeers -> the members that name it
		for _, b := range s.Brokers {
			cfg, err := brokerConfigOf(ctx, t, rc, b.Addr)
			if err != nil {
				t.Erroredf("not judged: broker %s (%s): GET_BROKER_CONFIG: %v", b.Pod, b.Addr, err)
			}
			master := b.Pod == s.Master().Pod
			if !master {
				slaves++
			}
			role := map[bool]string{true: "ASYNC_MASTER", false: "SLAVE"}[master]
			idClause := map[bool]verdict.Clause{true: rolesMaster, false: rolesSlave}[master]
			want := []wantKey{{rolesSyncFlush, "flushDiskType", "SYNC_FLUSH"}, {rolesNoAuto, "autoCreateTopicEnable", "false"}}
			if dledger {
				role = map[bool]string{true: "SYNC_MASTER", false: "SLAVE"}[master]
				idClause = map[bool]verdict.Clause{true: rolesLeader, false: rolesFollowerIDs}[master]
				want = append(want, dLegerKeys(s, b)...)
				peers[peerSet(cfg["dLegerPeers"])] = append(peers[peerSet(cfg["dLegerPeers"])], b.Pod)
			} else {
				dledgerOff(ctx, t, b, cfg)
			}
			want = append(want, wantKey{idClause, "brokerId", strconv.Itoa(brokerID(t, s, b))}, wantKey{idClause, "brokerRole", role})
			for _, w := range want {
				if got := cfg[w.key]; got != w.value {
					t.Errorf(w.clause, "broker %s (shard %s, ordinal %d): %s=%s, the addon sets %s", b.Pod, s.Name, b.Ordinal, w.key, got, w.value)
				}
			}
			wantLabel := map[bool]string{true: "master", false: "slave"}[master]
			if labels == "" && b.RoleLabel != wantLabel {
				t.Errorf(rolesLabel, "broker %s: role label %q, expected %q for brokerRole %s", b.Pod, b.RoleLabel, wantLabel, cfg["brokerRole"])
			}
			t.Logf("%s: brokerRole=%s brokerId=%s flushDiskType=%s autoCreateTopicEnable=%s label=%q",
				b.Pod, cfg["brokerRole"], cfg["brokerId"], cfg["flushDiskType"], cfg["autoCreateTopicEnable"], b.RoleLabel)
		}
		if dledger && len(peers) > 1 {
			t.Errorf(rolesPeers, "the members of shard %s name different peers: %v", s.Name, peers)
		}
	}
	if dledger {
		leadersRegistered(ctx, t, shards)
	}
	if labels != "" {
		t.Logf("role labels not checked: %s", labels)
	}
	if slaves == 0 {
		t.Logf("no slave to check: the topology has one broker per shard")
	}
}

// wantKey is a broker.conf key the addon sets, and the clause it belongs to.
type wantKey struct {
	clause     verdict.Clause
	key, value string
}

// dLegerKeys are the DLedger settings broker-setup.sh writes for b.
func dLegerKeys(s target.Shard, b target.Broker) []wantKey {
	return []wantKey{
		{rolesDLedgerKeys, "enableDLegerCommitLog", "true"},
		{rolesDLedgerKeys, "dLegerGroup", s.Name},
		{rolesDLedgerKeys, "dLegerSelfId", "n" + strconv.Itoa(b.Ordinal)},
	}
}

// peerSet is a dLegerPeers value with its members in order: members that
// list the same peers in another order form the same group.
func peerSet(peers string) string {
	ps := strings.Split(peers, ";")
	slices.Sort(ps)
	return strings.Join(ps, ";")
}

// dledgerOff checks a broker of the default mode runs no Raft member: the
// switch is off, no dLeger key is set, and nothing listens on its
// DLedger port (where the target knows it).
func dledgerOff(ctx context.Context, t *T, b target.Broker, cfg map[string]string) {
	if v := cfg["enableDLegerCommitLog"]; v != "false" {
		t.Errorf(rolesDLedgerOff, "broker %s: enableDLegerCommitLog=%s, but DLedger is off", b.Pod, v)
	}
	for _, k := range []string{"dLegerGroup", "dLegerPeers", "dLegerSelfId"} {
		if v, ok := cfg[k]; ok && v != "" {
			t.Errorf(rolesDLedgerOff, "broker %s: %s=%s, but DLedger is off", b.Pod, k, v)
		}
	}
	if b.DLedgerAddr == "" {
		return
	}
	d := net.Dialer{Timeout: time.Second}
	if c, err := d.DialContext(ctx, "tcp", b.DLedgerAddr); err == nil {
		c.Close()
		t.Errorf(rolesDLedgerOff, "broker %s: something listens on its DLedger port (%s), but DLedger is off", b.Pod, b.DLedgerAddr)
	}
}

// leadersRegistered checks every namesrv lists each shard's leader, and
// only it, at brokerId 0, and every member of each shard's peers list.
func leadersRegistered(ctx context.Context, t *T, shards []target.Shard) {
	rc := adminOf(t)
	for _, ns := range namesrvAddrs(ctx, t) {
		ci, err := clusterInfo(ctx, t, rc, ns)
		if err != nil {
			t.Erroredf("not judged: namesrv %s: %v", ns, err)
		}
		for _, s := range shards {
			if got := ci.BrokerAddrTable[s.Name].BrokerAddrs[0]; got != s.Master().Addr {
				t.Errorf(rolesLeader, "namesrv %s lists %q at brokerId 0 of %s; its leader is %s (%s)", ns, got, s.Name, s.Master().Pod, s.Master().Addr)
			}
		}
	}
	for _, s := range shards {
		cfg, err := brokerConfigOf(ctx, t, rc, s.Master().Addr)
		if err != nil {
			continue // reported above
		}
		for _, b := range s.Brokers {
			if why := peerMissing(cfg["dLegerPeers"], b); why != "" {
				t.Errorf(rolesPeers, "shard %s: dLegerPeers %q %s", s.Name, cfg["dLegerPeers"], why)
			}
		}
	}
}

// peerMissing says how peers fails to name b as the addon does (member
// n<ordinal> at its pod's address and DLedger port), or "".
func peerMissing(peers string, b target.Broker) string {
	id := "n" + strconv.Itoa(b.Ordinal) + "-"
	for _, p := range strings.Split(peers, ";") {
		if !strings.HasPrefix(p, id) {
			continue
		}
		addr := strings.TrimPrefix(p, id)
		host, port, _ := net.SplitHostPort(addr)
		_, wantPort, _ := net.SplitHostPort(b.DLedgerAddr)
		if addr == b.DLedgerAddr || strings.HasPrefix(host, b.Pod+".") && (wantPort == "" || port == wantPort) {
			return ""
		}
		return fmt.Sprintf("names member %s at %s, not at %s's DLedger address %s", strings.TrimSuffix(id, "-"), addr, b.Pod, b.DLedgerAddr)
	}
	return fmt.Sprintf("names no member %s (%s)", strings.TrimSuffix(id, "-"), b.Pod)
}

// The load and the bound of replication/async-catch-up.
const (
	asyncQueues, asyncRate = 4, 200                // per shard: queues written, messages a second
	asyncEvery             = 20 * time.Millisecond // the lag's sampling interval
	asyncLoadFor           = 3 * time.Second       // the length of the writes
	asyncCatchUpLimit      = 20 * time.Second      // one deadline for every slave: they replicate in parallel
)

// asyncCatchUp is a procedure of steps, run in order on one record: each
// step judges what it can once the steps before it have run.
func asyncCatchUp(ctx context.Context, t *T) {
	r := &asyncRun{t: t, acks: map[string][]replica.Ack{}}
	for _, step := range []func(context.Context){
		r.setUp,       // a topic, a history and a lag sampler per slave
		r.write,       // the load, for asyncLoadFor
		r.judgeAcks,   // async-ack
		r.awaitSlaves, // every slave's catch-up, under one deadline
		r.judgeSlaves, // lag-sampled and catch-up, slave by slave
		r.report,      // the lag figures of every slave together
	} {
		step(ctx)
	}
}

// asyncRun is the record of replication/async-catch-up, filled by its steps.
type asyncRun struct {
	t      *T
	shards []target.Shard
	topic  string
	h      *history.History

	samplers                 []*replica.Sampler
	loadStarted, loadStopped time.Time

	mu     sync.Mutex // guards acks and badIDs while the load runs
	acks   map[string][]replica.Ack
	badIDs int

	caught      []caughtUp // by sampler
	allLagBytes []int64
	allLags     []time.Duration
}

// caughtUp is when a slave reached its master, from the stop of writes.
type caughtUp struct {
	after time.Duration
	err   error
}

func (r *asyncRun) setUp(ctx context.Context) {
	t := r.t
	r.shards = awaitShards(ctx, t)
	r.topic = uniqueName("conformance-repl")
	createTopic(ctx, t, r.topic, asyncQueues)
	r.h = newHistory(t)
	for _, s := range r.shards {
		for _, sl := range s.Slaves() {
			r.samplers = append(r.samplers, replica.StartSampler(ctx, adminOf(t), s.Master(), sl, asyncEvery, t.plants.sampling))
		}
	}
}

// onAck records where the master stored an acknowledged message.
func (r *asyncRun) onAck(shard string, res *primitive.SendResult, at time.Time) {
	off, err := replica.CommitLogOffset(res.OffsetMsgID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.badIDs++
		return
	}
	r.acks[shard] = append(r.acks[shard], replica.Ack{At: at, Offset: off})
}

func (r *asyncRun) write(ctx context.Context) {
	t := r.t
	r.loadStarted = time.Now()
	l := load.Start(ctx, r.h, producers(ctx, t), r.topic, r.shards, asyncQueues, asyncRate, r.onAck)
	select {
	case <-time.After(asyncLoadFor): // the length of the load, not a wait for a condition
	case <-ctx.Done():
	}
	l.Stop()
	r.loadStopped = time.Now()
	t.plants.loadStopped(r.shards)
}

func (r *asyncRun) judgeAcks(context.Context) {
	t := r.t
	jh := judgedCopy(t, r.h)
	failedSends(t, asyncAck, jh, r.shards)
	if jh.Check("none").Acked == 0 {
		t.Errorf(asyncAck, "no write was acknowledged: %s", jh.Check("none"))
	}
}

func (r *asyncRun) awaitSlaves(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, asyncCatchUpLimit)
	defer cancel()
	r.caught = make([]caughtUp, len(r.samplers))
	var wg sync.WaitGroup
	for i, sm := range r.samplers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := replica.AwaitCaughtUp(cctx, adminOf(r.t), sm.Master, sm.Slave, asyncCatchUpLimit)
			r.caught[i] = caughtUp{time.Since(r.loadStopped), err}
		}()
	}
	wg.Wait()
}

func (r *asyncRun) judgeSlaves(ctx context.Context) {
	for i, sm := range r.samplers {
		r.judgeSlave(ctx, sm, r.caught[i])
	}
}

// judgeSlave stops sm and judges its slave's lag and catch-up.
func (r *asyncRun) judgeSlave(ctx context.Context, sm *replica.Sampler, caught caughtUp) {
	t := r.t
	catchUp := caught.after
	samples := sm.Stop(ctx)
	var lagBytes []int64
	for _, s := range samples {
		if s.At.Before(r.loadStopped) {
			lagBytes = append(lagBytes, max(0, s.Master-s.Slave))
		}
	}
	// The lag is measured only if it was sampled throughout the writes.
	// A sampler that made some progress but too little may have been
	// starved; one that made none did not run at all.
	writes := r.loadStopped.Sub(r.loadStarted)
	if minSamples := int(writes/asyncEvery) / 10; len(lagBytes) < minSamples {
		procs := []string{starvation.SuiteProcess}
		if len(lagBytes) == 0 {
			procs = nil
		}
		judgeLate(t, asyncSampled, history.Window{Start: r.loadStarted, End: r.loadStopped}, procs, "the lag of slave %s was sampled %d times during %s of writes (at least %d expected at one sample every %s): it was not measured",
			sm.Slave.Pod, len(lagBytes), writes.Round(time.Millisecond), minSamples, asyncEvery)
	}
	if caught.err != nil {
		judgeLate(t, asyncCaught, history.Window{Start: r.loadStopped, End: r.loadStopped.Add(asyncCatchUpLimit)}, []string{sm.Master.Pod, sm.Slave.Pod},
			"slave %s of %s did not catch up within %s after writes stopped: %v", sm.Slave.Pod, sm.Master.Shard, asyncCatchUpLimit, caught.err)
		return
	}
	t.Figure("catch_up_"+sm.Slave.Pod, float64(catchUp.Milliseconds()), "ms")
	r.mu.Lock()
	lags := replica.Lags(r.acks[sm.Master.Shard], samples)
	n := len(r.acks[sm.Master.Shard])
	r.mu.Unlock()
	b50, b99, bmax := history.QuantilesInt(lagBytes)
	l50, l99, lmax := history.Quantiles(lags)
	t.Logf("%s -> %s: %d samples, %d acked messages; lag bytes p50 %d p99 %d max %d; lag ms p50 %d p99 %d max %d; caught up by %s after writes stopped",
		sm.Master.Pod, sm.Slave.Pod, len(samples), n, b50, b99, bmax, l50.Milliseconds(), l99.Milliseconds(), lmax.Milliseconds(), catchUp.Round(time.Millisecond))
	r.allLagBytes = append(r.allLagBytes, lagBytes...)
	r.allLags = append(r.allLags, lags...)
}

func (r *asyncRun) report(context.Context) {
	t := r.t
	if r.badIDs > 0 {
		t.Erroredf("not judged: %d send results had an offset message id that does not carry a commit log offset", r.badIDs)
	}
	b50, b99, bmax := history.QuantilesInt(r.allLagBytes)
	l50, l99, lmax := history.Quantiles(r.allLags)
	t.Figure("lag_bytes_p50", float64(b50), "bytes")
	t.Figure("lag_bytes_p99", float64(b99), "bytes")
	t.Figure("lag_bytes_max", float64(bmax), "bytes")
	t.Figure("lag_ms_p50", float64(l50.Microseconds())/1000, "ms")
	t.Figure("lag_ms_p99", float64(l99.Microseconds())/1000, "ms")
	t.Figure("lag_ms_max", float64(lmax.Microseconds())/1000, "ms")
	t.Logf("load: %d messages/s per shard for %s; offsets sampled every %s", asyncRate, asyncLoadFor, asyncEvery)
	if t.Target.Topology().Mode.DLedger {
		t.Logf("DLedger mode: a write is acknowledged once a majority of the Raft group holds it, so the asynchronous clause (acknowledged without waiting for the slave) does not apply; the lag and catch-up clauses do")
	}
}

func slaveContent(ctx context.Context, t *T) {
	shards := awaitShards(ctx, t)
	queues, perQueue := contentTopic.queues, 10
	topic := useTopic(ctx, t, contentTopic.prefix, queues)
	p := clientProducer(ctx, t)
	h := newHistory(t)
	for i := 0; i < perQueue; i++ {
		for _, s := range shards {
			for q := 0; q < queues; q++ {
				key := fmt.Sprintf("%s-%s-%d-%d", topic, s.Name, q, i)
				load.Send(ctx, p, h, key, load.QueueMessage(topic, s.Name, q, key, []byte("content of "+key)))
			}
		}
	}
	failedSends(t, clauseSent, h, shards)
	if err := awaitSlaveTopics(ctx, t, shards, topic); err != nil {
		t.Erroredf("not judged: %v", err)
	}
	var masters []target.Broker
	for _, s := range shards {
		masters = append(masters, s.Master())
	}
	jh := judgedCopy(t, h)
	reads := readback.Read(ctx, adminOf(t), jh, masters, topic, queues)
	deliverTo(t, jh, storeScope, reads)
	judgeReads(t, contentMaster, reads, "dispatch_wait")
	rep := jh.Check(storeScope)
	if len(rep.Lost) > 0 {
		t.Errorf(contentMaster, "read back from the masters: %s", rep)
		reportLost(t, rep, reads)
	}
	compared := 0
	var replWait time.Duration
	for _, s := range shards {
		for _, sl := range s.Slaves() {
			want := map[int]int64{}
			for q, qr := range reads[s.Name].Queues {
				want[q] = qr.Max - 1
			}
			cov := readback.AwaitCovered(ctx, adminOf(t), sl, topic, want)
			replWait = max(replWait, cov.Waited)
			for q := 0; q < queues; q++ {
				wantMsgs, err := readQueue(ctx, t, s.Master().Addr, topic, q)
				if err != nil {
					t.Errorf(contentMaster, "read master %s: %v", s.Master().Pod, err)
					continue
				}
				got, err := readQueue(ctx, t, sl.Addr, topic, q)
				if err != nil {
					t.Errorf(contentCount, "read slave %s: %v", sl.Pod, err)
					continue
				}
				if len(got) != len(wantMsgs) {
					t.Errorf(contentCount, "%s queue %d: master %s holds %d messages, slave %s serves %d (it reported max offset %d after waiting %s)",
						s.Name, q, s.Master().Pod, len(wantMsgs), sl.Pod, len(got), cov.Queues[q].Max, cov.Waited.Round(time.Millisecond))
				}
				for i := 0; i < min(len(got), len(wantMsgs)); i++ {
					w, g := wantMsgs[i], got[i]
					if w.QueueOffset != g.QueueOffset || w.Keys() != g.Keys() || !bytes.Equal(w.Body, g.Body) {
						t.Errorf(contentSame, "%s queue %d index %d: master has %s@%d, slave %s serves %s@%d", s.Name, q, i, w.Keys(), w.QueueOffset, sl.Pod, g.Keys(), g.QueueOffset)
					}
				}
				compared += len(wantMsgs)
			}
		}
	}
	t.Figure("replication_wait", float64(replWait.Milliseconds()), "ms")
	t.Figure("messages_compared", float64(compared), "")
	t.Logf("compared %d messages between masters and slaves", compared)
	if compared == 0 && rep.Acked > 0 {
		t.Errorf(contentMaster, "no message was compared: the masters hold none of the %d acknowledged", rep.Acked)
	}
}
