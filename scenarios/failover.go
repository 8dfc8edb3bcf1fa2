package scenarios

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
)

// routeRefresh is how often rocketmq-client-go's producer re-reads routes
// from the namesrv; a shard whose master came back takes writes again
// within one refresh. boundSlack is what the stated bounds allow on top of
// a protocol period, for a busy machine.
const (
	routeRefresh = 30 * time.Second
	boundSlack   = 5 * time.Second
)

func init() {
	register(
		Case{
			Suite: "failover", Name: "kill-master",
			Promise: "With a shard's master killed under continuous load, no message acknowledged before, during or after the kill is lost or duplicated, and no send fails outside the fault window. " +
				"In the default mode the master returns as brokerId 0 ASYNC_MASTER with the same brokerName on its store, the shard takes writes again within one route refresh (30 s, plus 5 s) of its return, and where the platform labels roles the labels settle again to one master, the broker registered at brokerId 0. " +
				"In DLedger mode a survivor is elected leader and registered in every namesrv within 30 s, the shard takes writes again within that plus one route refresh, the killed broker returns as a follower, where the platform labels roles exactly one member is labelled master and it is the registered leader, and every follower serves its leader's messages at their offsets.",
			Description: "Without DLedger (the addon's default) there is no failover: the platform recreates the master pod on its PVC and the shard takes no writes meanwhile; the write-unavailability window is measured. " +
				"The load's producer refreshes routes every 30 s and drops the master's address while it is down, so the fault window runs from the kill until the shard takes writes again, up to one refresh after the master is back. " +
				"In DLedger mode the time to elect a leader and the time to the load's first acknowledged write to the shard are reported apart: the second includes up to one route refresh of the producer. " +
				"Reading every follower at its leader's offsets checks the class of apache/rocketmq#6509 (acknowledged messages truncated after a re-election). " +
				"The read-back waits until each broker covers every acknowledged offset. One kill is shared with failover/read-from-slave and failover/other-shards-write, which judge the same run.",
			Clauses: []string{clauseBrokers,
				"default mode: the master returns as brokerId 0 ASYNC_MASTER of its shard", "default mode: the master returns on its store", "default mode: the shard takes writes again within one route refresh",
				"default mode: " + clauseLabelsSettle,
				"DLedger mode: a survivor is elected leader within 30 s", "DLedger mode: the shard takes writes again within the election and one route refresh",
				"DLedger mode: the killed leader returns as a follower", "DLedger mode: the master label is on the registered leader after the election",
				"DLedger mode: every follower serves its leader's messages at their offsets",
				clauseNotLost, "no acknowledged message is read back twice", "no send fails outside the fault window"},
			Needs:              []Capability{Messaging, Faults},
			DLedgerMinReplicas: 3,
			Timeout:            180 * time.Second,
			Recreations:        1,
			Run:                killMaster,
		},
		Case{
			Suite: "failover", Name: "read-from-slave",
			Promise: "While a shard's master is down, its slave serves every message of the shard that was replicated before the kill.",
			Description: "Messages count as replicated when they were acknowledged before the slave was seen at the master's commit log offset. " +
				"Slave reads use PULL_MESSAGE straight to the slave (rocketmq-client-go #1055: its consumer cannot consume from a slave once the master died). " +
				"Judged from the kill of failover/kill-master.",
			Clauses:     []string{clauseBrokers, "the slave held what was acknowledged before the kill", "while the master is down, the slave serves every replicated message"},
			Needs:       []Capability{Messaging, Faults},
			MinReplicas: 2,
			NotIn:       Mode{DLedger: true},
			NotInWhy:    "a follower is elected leader, so there is no time in which the master is down and a slave alone serves the shard (failover/kill-master compares every follower with its leader instead)",
			Timeout:     180 * time.Second,
			Recreations: 1,
			Run:         readFromSlave,
		},
		Case{
			Suite: "failover", Name: "other-shards-write",
			Promise:            "While one shard's master is down, every other shard keeps accepting writes: each acknowledges writes during the fault and none fails.",
			Description:        "Judged from the kill of failover/kill-master, from the kill until the master is registered again.",
			Clauses:            []string{clauseBrokers, "every other shard keeps accepting writes, none failing"},
			Needs:              []Capability{Messaging, Faults},
			MinShards:          2,
			DLedgerMinReplicas: 3,
			Timeout:            180 * time.Second,
			Recreations:        1,
			Run:                otherShardsWrite,
		},
		leaderChurnCase,
		Case{
			Suite: "failover", Name: "kill-slave",
			Promise: "With a slave killed under continuous load (in DLedger mode a follower, while a majority remains), every shard keeps accepting writes and no send fails; " +
				"the slave returns as SLAVE with the brokerId and brokerName its role gives it and, within 20 s after the writes stop, its commit log reaches its master's; no acknowledged message is lost or duplicated; where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0.",
			Description: "A slave that lost its store would copy the master's commit log again from the start of its current file, so on the small stores of a test run a lost slave store is not told apart from a kept one; the promise does not claim it. " +
				"In DLedger mode a follower registers at its member index + 1 and catches up to the leader's committed log.",
			Clauses:            []string{clauseBrokers, "every shard keeps accepting writes, no send failing", "the slave returns as SLAVE with its brokerId and brokerName", "the slave catches up within 20 s", clauseNotLost, "no acknowledged message is read back twice", clauseLabelsSettle},
			Needs:              []Capability{Messaging, Faults},
			MinReplicas:        2,
			DLedgerMinReplicas: 3,
			Timeout:            150 * time.Second,
			Recreations:        1,
			Run:                killSlave,
		},
		Case{
			Suite: "failover", Name: "namesrv-restart",
			Promise: "Every broker runs with registerNameServerPeriod 30000 (RocketMQ's default, which the addon keeps); a namesrv that is killed comes back, and every broker registers with it again, routes included, within one registration period (30 s, plus 5 s); " +
				"writes go on from cached routes while it is down, with no send failing, no send fails before the kill, and no acknowledged message is lost.",
			Description: "The namesrv keeps no state: after a restart its routes are empty until each broker's next periodic registration, so the case waits up to that protocol period, reports how long it took, and compares it with the period. " +
				"Once it is back and before every broker has registered again, a client that refreshes its routes (rocketmq-client-go does every 30 s) gets a partial route and drops the addresses of the brokers missing from it, so sends to their shards fail until its next refresh: " +
				"that is RocketMQ's protocol, not a fault of the addon, so such failures are counted (failed_while_reregistering), not judged.",
			Clauses:     []string{clauseBrokers, "every broker runs with registerNameServerPeriod 30000", "every broker registers again, routes included, within one period", "writes go on from cached routes while it is down, no send failing", "no send fails before the kill", clauseNotLost},
			Needs:       []Capability{Messaging, Faults},
			Timeout:     150 * time.Second,
			Recreations: 1,
			Run:         namesrvRestart,
		},
	)
}

// faultRun is the common frame of the failover cases: a topic on every
// shard, a paced load over all of them, and a history.
type faultRun struct {
	t      *T
	shards []Shard
	topic  string
	h      *history.History
	load   *load
}

const faultQueues, faultRate = 4, 100

func (t *T) startFaultRun(ctx context.Context, prefix string) *faultRun {
	f := &faultRun{t: t, shards: t.shards(ctx), topic: uniqueName(prefix), h: history.New()}
	t.createTopic(ctx, f.topic, faultQueues)
	f.load = startLoad(ctx, f.h, func() rocketmq.Producer { return t.producer(ctx) }, f.topic, f.shards, faultQueues, faultRate, nil)
	t.Cleanup(f.load.stop)
	// Faults start only once every shard has taken writes.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := wait.Until(wctx, 50*time.Millisecond, "every shard to acknowledge writes", func(context.Context) (bool, string, error) {
		for _, s := range f.shards {
			if n := f.h.AcksIn(s.Name, history.Window{Start: time.Time{}, End: time.Now()}); n < 20 {
				return false, fmt.Sprintf("%s has %d acks", s.Name, n), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		t.Fatalf("before the fault: %v", err)
	}
	plants.underLoad(f.h)
	return f
}

// keptWriting checks, for the case t, that every shard but skip took
// writes and none failed during w. (The case that judges a run need not be
// the one that performed it, so each judgement names its case.)
func (f *faultRun) keptWriting(t *T, w history.Window, skip string) {
	for _, s := range f.shards {
		if s.Name == skip {
			continue
		}
		acks, fails := f.h.AcksIn(s.Name, w), f.h.FailsIn(s.Name, w)
		t.Logf("shard %s during the fault (%s): %d writes acknowledged, %d failed", s.Name, w.Duration().Round(time.Millisecond), acks, fails)
		t.Figure("acked_during_fault_"+s.Name, float64(acks), "")
		if acks == 0 || fails > 0 {
			t.Errorf("shard %s did not keep accepting writes during the fault: %d acknowledged, %d failed", s.Name, acks, fails)
		}
	}
}

// stop ends the load, lets the edge plants act on the history, and reads
// every queue back from the current masters once each covers what was
// acknowledged on its shard.
func (f *faultRun) stop(ctx context.Context) map[string]*shardRead {
	f.load.stop()
	plants.judging(f.h)
	var masters []Broker
	for _, s := range f.t.shards(ctx) { // fresh: a recreated pod has a new address
		masters = append(masters, s.Master())
	}
	return f.t.readBack(ctx, f.h, "final", masters, f.topic, faultQueues)
}

// judgeFinal checks, for the case t, the history against the final
// read-back: no acknowledged message lost or duplicated, each lost one
// named.
func (f *faultRun) judgeFinal(t *T, reads map[string]*shardRead) {
	t.judgeReads(reads, "dispatch_wait")
	rep := f.h.Check("final")
	t.Logf("history, read back from the masters: %s", rep)
	if rep.Acked == 0 {
		t.Errorf("no write was acknowledged during the run: %s", rep)
	}
	t.Figure("acked", float64(rep.Acked), "")
	t.Figure("lost", float64(len(rep.Lost)), "")
	if w := f.h.Warned(); len(w) > 0 {
		t.Figure("acked_flush_disk_timeout", float64(len(w)), "")
		t.Logf("%d sends were acknowledged FLUSH_DISK_TIMEOUT (first: %s to %s at %s): stored, but the broker's SYNC_FLUSH outlasted its syncFlushTimeout on this machine; each is held to the acknowledged promise above",
			len(w), w[0].ID, w[0].Shard, w[0].At.Format("15:04:05.000"))
	}
	if !rep.OK() {
		t.Errorf("read back from the masters: %s", rep)
		t.reportLost(rep, reads)
	}
}

// failedOutside fails the case t for every failed send outside the
// allowed window of its shard (none for a shard not in allowed).
func (f *faultRun) failedOutside(t *T, allowed map[string]history.Window, what string) {
	var outside []string
	for _, op := range f.h.Failures() {
		if w, ok := allowed[op.Shard]; ok && !op.At.Before(w.Start) && !op.At.After(w.End) {
			continue
		}
		outside = append(outside, fmt.Sprintf("%s to %s at %s: %s", op.ID, op.Shard, op.At.Format("15:04:05.000"), op.Err))
	}
	if len(outside) > 0 {
		t.Errorf("%d sends failed outside %s; first: %s", len(outside), what, outside[0])
	}
}

// checkIdentity checks a broker that came back is who it was: of its
// shard, at brokerId id, in role.
func (t *T) checkIdentity(cfg map[string]string, b Broker, role string, id int) {
	for _, key := range []string{"brokerName", "brokerId", "brokerRole"} {
		want := map[string]string{"brokerName": b.Shard, "brokerId": strconv.Itoa(id), "brokerRole": role}[key]
		if cfg[key] != want {
			t.Errorf("%s came back with %s=%s, expected %s", b.Pod, key, cfg[key], want)
		}
	}
	t.Logf("%s came back as %s brokerId %s of %s", b.Pod, cfg["brokerRole"], cfg["brokerId"], cfg["brokerName"])
}

// returned reads a killed broker as it came back, and its config.
func (t *T) returned(ctx context.Context, victim Broker) (Broker, map[string]string, error) {
	b := t.current(ctx, victim)
	cfg, err := brokerConfig(ctx, t.admin(), b.Addr)
	return b, cfg, err
}

// down reports whether nothing accepts connections at addr.
func down(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// awaitWrites waits up to limit for the first write acknowledged on shard
// after from, and returns when it was, or the zero time.
func (f *faultRun) awaitWrites(ctx context.Context, shard string, from time.Time, limit time.Duration) time.Time {
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var first time.Time
	wait.Until(wctx, 50*time.Millisecond, "shard "+shard+" to accept writes again", func(context.Context) (bool, string, error) {
		for _, op := range f.h.Ops() {
			if op.Kind == history.Ack && op.Shard == shard && op.At.After(from) {
				first = op.At
				return true, "", nil
			}
		}
		return false, "", nil
	})
	return first
}

func killSlave(ctx context.Context, t *T) {
	f := t.startFaultRun(ctx, "conformance-kill-slave")
	sh := f.shards[0]
	victim := sh.Slaves()[0]
	f.h.FaultStart("kill " + victim.Pod)
	killAt := time.Now()
	if err := t.Target.Kill(ctx, victim); err != nil {
		t.Erroredf("kill %s: %v", victim.Pod, err)
	}
	if err := t.Target.AwaitBack(ctx, victim); err != nil {
		t.Fatalf("slave %s did not come back: %v", victim.Pod, err)
	}
	backAt := time.Now()
	f.h.FaultEnd("kill " + victim.Pod)
	t.Figure("back_registered_after", float64(backAt.Sub(killAt).Milliseconds()), "ms")
	f.keptWriting(t, history.Window{Start: killAt, End: backAt}, "")
	t.labelsSettled(ctx, sh.Name, "the slave's return")
	victim, cfg, err := t.returned(ctx, victim)
	if err != nil {
		t.Errorf("read the config of %s after its return: %v", victim.Pod, err)
	} else {
		t.checkIdentity(cfg, victim, "SLAVE", t.brokerID(t.shardNamed(ctx, sh.Name), victim))
	}
	f.load.stop()
	const catchUpLimit = 20 * time.Second
	catchUp, err := t.awaitCaughtUp(ctx, sh.Master(), victim, catchUpLimit)
	if err != nil {
		t.Errorf("slave %s did not catch up with %s within %s after the writes stopped: %v", victim.Pod, sh.Master().Pod, catchUpLimit, err)
	} else {
		t.Figure("catch_up", float64(catchUp.Milliseconds()), "ms")
	}
	reads := f.stop(ctx)
	f.failedOutside(t, nil, "any fault window (a slave's loss must not touch writes)")
	f.judgeFinal(t, reads)
}

func namesrvRestart(ctx context.Context, t *T) {
	f := t.startFaultRun(ctx, "conformance-namesrv")
	rc := t.admin()
	period := t.registrationPeriod(ctx, f.shards, addonRegisterPeriod)
	f.h.FaultStart("kill namesrv 0")
	killAt := time.Now()
	if err := t.Target.KillNamesrv(ctx, 0); err != nil {
		t.Erroredf("kill namesrv 0: %v", err)
	}
	if err := t.Target.AwaitNamesrvBack(ctx, 0); err != nil {
		t.Fatalf("namesrv 0 did not come back: %v", err)
	}
	backAt := time.Now()
	t.Figure("namesrv_down", float64(backAt.Sub(killAt).Milliseconds()), "ms")
	f.keptWriting(t, history.Window{Start: killAt, End: backAt}, "")
	ns := t.namesrvs(ctx)[0] // fresh: a recreated namesrv pod has a new address
	// Wait past the bound so that a slow re-registration is measured, not
	// only cut off.
	wctx, cancel := context.WithTimeout(ctx, max(period, addonRegisterPeriod)+boundSlack+10*time.Second)
	defer cancel()
	err := wait.Until(wctx, 100*time.Millisecond, "every broker to register again with namesrv "+ns, func(ctx context.Context) (bool, string, error) {
		ci, err := rc.ClusterInfo(ctx, ns)
		if err != nil {
			return false, err.Error(), nil
		}
		if why := registrationGap(ci, f.shards); why != "" {
			return false, why, nil
		}
		r, err := rc.TopicRoute(ctx, ns, f.topic)
		if err != nil {
			return false, "route of " + f.topic + ": " + err.Error(), nil
		}
		if why := routeMismatch(r, f.shards, faultQueues); why != "" {
			return false, "route of " + f.topic + ": " + why, nil
		}
		return true, "", nil
	})
	f.h.FaultEnd("kill namesrv 0")
	took := time.Since(backAt)
	switch {
	case err != nil:
		t.Errorf("%v", err)
	case took > addonRegisterPeriod+boundSlack:
		t.Errorf("every broker registered again with namesrv %s only %s after it came back: more than one registration period (%s) plus %s", ns, took.Round(time.Millisecond), addonRegisterPeriod, boundSlack)
	}
	if err == nil {
		t.Figure("reregistered_after", float64(took.Milliseconds()), "ms")
		t.Logf("every broker registered again, routes included, %s after the namesrv came back", took.Round(time.Millisecond))
	}
	reads := f.stop(ctx)
	rereg := history.Window{Start: backAt, End: time.Now()}
	allowed := map[string]history.Window{}
	for _, s := range f.shards {
		allowed[s.Name] = rereg
	}
	t.Figure("failed_while_reregistering", float64(countIn(f.h.Failures(), rereg)), "")
	f.failedOutside(t, allowed, "the restart window (from the namesrv's return until every broker registered again)")
	f.judgeFinal(t, reads)
}

// countIn counts the ops stamped within w.
func countIn(ops []history.Op, w history.Window) int {
	n := 0
	for _, op := range ops {
		if !op.At.Before(w.Start) && !op.At.After(w.End) {
			n++
		}
	}
	return n
}

// registrationPeriod reads registerNameServerPeriod from every broker,
// fails the case for each one that does not run with want, and returns
// the longest period any broker runs with.
func (t *T) registrationPeriod(ctx context.Context, shards []Shard, want time.Duration) time.Duration {
	longest := want
	var seen []string
	for _, s := range shards {
		for _, b := range s.Brokers {
			cfg, err := brokerConfig(ctx, t.admin(), b.Addr)
			if err != nil {
				t.Fatalf("read the config of %s: %v", b.Pod, err)
			}
			ms, err := strconv.Atoi(cfg["registerNameServerPeriod"])
			if err != nil {
				t.Fatalf("%s reports registerNameServerPeriod=%q: %v", b.Pod, cfg["registerNameServerPeriod"], err)
			}
			p := time.Duration(ms) * time.Millisecond
			seen = append(seen, fmt.Sprintf("%s %s", b.Pod, p))
			if p != want {
				t.Errorf("%s runs with registerNameServerPeriod=%d; the addon keeps RocketMQ's %d", b.Pod, ms, want.Milliseconds())
			}
			longest = max(longest, p)
		}
	}
	t.Logf("registration periods: %s", strings.Join(seen, ", "))
	return longest
}
