package scenarios

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/scenarios/replica"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of failover/kill-master and of the two cases that judge the
// same kill.
var (
	kmIdentity       = verdict.Clause{ID: "master-identity", Text: "default mode: the master returns as brokerId 0 ASYNC_MASTER of its shard"}
	kmStore          = verdict.Clause{ID: "master-store", Text: "default mode: the master returns on its store"}
	kmResume         = verdict.Clause{ID: "writes-resume", Text: "default mode: the shard takes writes again within one route refresh"}
	kmLabels         = verdict.Clause{ID: "labels-settle", Text: "default mode: " + clauseLabelsSettle.Text}
	kmElected        = verdict.Clause{ID: "dledger-elected", Text: "DLedger mode: a survivor is elected leader within 30 s"}
	kmDLedgerResume  = verdict.Clause{ID: "dledger-writes-resume", Text: "DLedger mode: the shard takes writes again within the election and one route refresh"}
	kmVictimFollows  = verdict.Clause{ID: "dledger-victim-follows", Text: "DLedger mode: the killed leader returns as a follower"}
	kmDLedgerLabel   = verdict.Clause{ID: "dledger-label", Text: "DLedger mode: the master label is on the registered leader after the election"}
	kmFollowersServe = verdict.Clause{ID: "dledger-followers-serve", Text: "DLedger mode: every follower serves its leader's messages at their offsets"}
	kmOutside        = verdict.Clause{ID: "no-failed-send", Text: "no send fails outside the fault window"}

	rfsReplicated = verdict.Clause{ID: "replicated-before", Text: "the slave held what was acknowledged before the kill"}
	rfsServes     = verdict.Clause{ID: "slave-serves", Text: "while the master is down, the slave serves every replicated message"}

	oswWrites = verdict.Clause{ID: "others-write", Text: "every other shard keeps accepting writes, none failing"}
)

// killMasterCase is failover/kill-master; failover.go registers it in the
// suite's order.
var killMasterCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "kill-master",
	Promise: "With a shard's master killed under continuous load, no message acknowledged before, during or after the kill is lost or duplicated, and no send fails outside the fault window. " +
		"In the default mode the master returns as brokerId 0 ASYNC_MASTER with the same brokerName on its store, the shard takes writes again within one route refresh (30 s, plus 5 s) of its return, and where the platform labels roles the labels settle again to one master, the broker registered at brokerId 0. " +
		"In DLedger mode a survivor is elected leader and registered in every namesrv within 30 s, the shard takes writes again within that plus one route refresh, the killed broker returns as a follower, where the platform labels roles exactly one member is labelled master and it is the registered leader, and every follower serves its leader's messages at their offsets.",
	Description: "Without DLedger (the addon's default) there is no failover: the platform recreates the master pod on its PVC and the shard takes no writes meanwhile; the write-unavailability window is measured. " +
		"The load's producer refreshes routes every 30 s and drops the master's address while it is down, so the fault window runs from the kill until the shard takes writes again, up to one refresh after the master is back. " +
		"In DLedger mode the time to elect a leader and the time to the load's first acknowledged write to the shard are reported apart: the second includes up to one route refresh of the producer. " +
		"Reading every follower at its leader's offsets checks the class of apache/rocketmq#6509 (acknowledged messages truncated after a re-election). " +
		"The read-back waits until each broker covers every acknowledged offset. One kill is shared with failover/read-from-slave and failover/other-shards-write, which judge the same run.",
	Clauses: []verdict.Clause{clauseBrokers, kmIdentity, kmStore, kmResume, kmLabels,
		kmElected, kmDLedgerResume, kmVictimFollows, kmDLedgerLabel, kmFollowersServe,
		clauseNotLost, clauseNotTwice, kmOutside},
	Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
	DLedgerMinReplicas: 3,
	Timeout:            180 * time.Second,
	Recreations:        1,
}, Run: killMaster, Shares: killOfAMaster}

// readFromSlaveCase is failover/read-from-slave, judged from the same kill.
var readFromSlaveCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "read-from-slave",
	Promise: "While a shard's master is down, its slave serves every message of the shard that was replicated before the kill.",
	Description: "Messages count as replicated when they were acknowledged before the slave was seen at the master's commit log offset. " +
		"Slave reads use PULL_MESSAGE straight to the slave (rocketmq-client-go #1055: its consumer cannot consume from a slave once the master died). " +
		"Judged from the kill of failover/kill-master.",
	Clauses:     []verdict.Clause{clauseBrokers, rfsReplicated, rfsServes},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Faults},
	MinReplicas: 2,
	NotIn:       Mode{DLedger: true},
	NotInWhy:    "a follower is elected leader, so there is no time in which the master is down and a slave alone serves the shard (failover/kill-master compares every follower with its leader instead)",
	Timeout:     180 * time.Second,
	Recreations: 1,
}, Run: readFromSlave, Shares: killOfAMaster}

// otherShardsWriteCase is failover/other-shards-write, judged from the
// same kill.
var otherShardsWriteCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "other-shards-write",
	Promise:            "While one shard's master is down, every other shard keeps accepting writes: each acknowledges writes during the fault and none fails.",
	Description:        "Judged from the kill of failover/kill-master, from the kill until the master is registered again.",
	Clauses:            []verdict.Clause{clauseBrokers, oswWrites},
	Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
	MinShards:          2,
	DLedgerMinReplicas: 3,
	Timeout:            180 * time.Second,
	Recreations:        1,
}, Run: otherShardsWrite, Shares: killOfAMaster}

// masterKill is the record of one master kill under load: what three cases
// judge (failover/kill-master, failover/read-from-slave and
// failover/other-shards-write). It holds observations only; the verdicts
// are the cases'.
type masterKill struct {
	f           *faultRun
	victimShard target.Shard
	victim      target.Broker
	slave       *target.Broker // nil on one replica

	// Before the kill: the messages the slave was seen to hold.
	markErr    error
	markWait   history.Window // from the start of the wait for the slave until it ended
	replicated map[string]bool

	// While the master was down: what the slave served, as it served it.
	slaveRead     *readback.Shard
	slaveReadTook time.Duration
	stillDown     bool // the master was still down when the slave read ended

	killAt, backAt time.Time
	backErr        error
	back           target.Broker // the master as it came back
	identity       map[string]string
	identityErr    error
	labels         labelCheck

	// In DLedger mode: the election that followed the kill, and every
	// follower's content against its leader's.
	leader  *leaderKill
	members []readback.Member
}

// runKillMaster kills the master of the first shard under a steady load,
// reads its slave while it is down, and waits for it to return and take
// writes; in DLedger mode it kills the leader instead (runKillLeader). It
// records; the three cases judge.
func runKillMaster(ctx context.Context, t *T) *masterKill {
	f := startFaultRun(ctx, t, "conformance-kill-master")
	k := &masterKill{f: f, victimShard: f.shards[0], victim: f.shards[0].Master()}
	if t.Target.Topology().Mode.DLedger {
		return runKillLeader(ctx, t, k)
	}
	if sl := k.victimShard.Slaves(); len(sl) > 0 {
		k.slave = &sl[0]
		k.markReplicated(ctx, t)
	}
	f.h.FaultStart("kill " + k.victim.Pod)
	k.killAt = time.Now()
	if err := t.Target.Kill(ctx, k.victim); err != nil {
		t.Erroredf("kill %s: %v", k.victim.Pod, err)
	}
	t.Logf("killed %s at %s", k.victim.Pod, k.killAt.Format(time.RFC3339Nano))
	if k.slave != nil {
		k.readSlave(ctx, t)
	}
	k.backErr = t.Target.AwaitBack(ctx, k.victim)
	k.backAt = time.Now()
	f.h.FaultEnd("kill " + k.victim.Pod)
	if k.backErr == nil {
		// Writes first: what the returned master is asked for anything
		// else comes after the bound on its taking writes again.
		f.awaitWrites(ctx, k.victimShard.Name, k.backAt, routeRefresh+boundSlack)
		k.back, k.identity, k.identityErr = returnedBroker(ctx, t, k.victim)
		k.labels = awaitLabels(ctx, t, k.victimShard.Name)
		f.stop(ctx, t)
	} else {
		f.load.Stop() // kill-master fails on the master that never came back
	}
	return k
}

// runKillLeader is the kill of a master in DLedger mode: the leader of the
// first shard is killed, a survivor is elected, the victim returns as a
// follower; then every shard is read back from its leader and every
// follower compared with it.
func runKillLeader(ctx context.Context, t *T, k *masterKill) *masterKill {
	e := killLeader(ctx, t, k.f, k.victimShard.Name)
	k.f.awaitWrites(ctx, k.victimShard.Name, e.downAt, e.electedAt().Sub(e.downAt)+routeRefresh+boundSlack)
	k.leader, k.killAt, k.backAt, k.backErr = e, e.killAt, e.backAt, e.backErr
	k.f.stop(ctx, t)
	k.members = readMembers(ctx, t, k.f.topic, faultQueues, k.f.reads)
	return k
}

// markReplicated notes what the slave holds before the kill: everything
// acknowledged before the moment the master's commit log offset was read,
// once the slave has reached that offset. The slave must know the topic
// to serve it, which it learns within its 10 s topic sync.
func (k *masterKill) markReplicated(ctx context.Context, t *T) {
	k.markWait.Start = time.Now()
	defer func() { k.markWait.End = time.Now() }()
	if k.markErr = awaitSlaveTopics(ctx, t, []target.Shard{k.victimShard}, k.f.topic); k.markErr != nil {
		return
	}
	k.awaitFloor(ctx)
	mark := time.Now()
	acked := k.f.h.HighestAcked(k.victimShard.Name)
	masterAt, err := replica.CommitLogMax(ctx, adminOf(t), k.victim)
	if err != nil {
		t.Erroredf("not judged: before the fault: %v", err)
	}
	mctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	k.markErr = wait.Until(mctx, 20*time.Millisecond, "slave "+k.slave.Pod+" to reach "+strconv.FormatInt(masterAt, 10), func(ctx context.Context) (bool, string, error) {
		s, err := replica.CommitLogMax(ctx, adminOf(t), *k.slave)
		return err == nil && s >= masterAt, fmt.Sprintf("slave at %d (%v)", s, err), nil
	})
	if k.markErr == nil {
		k.markErr = slaveCovers(mctx, t, *k.slave, k.f.topic, acked)
	}
	k.replicated = map[string]bool{}
	for _, op := range k.f.h.Ops() {
		if op.Kind == history.Ack && op.Shard == k.victimShard.Name && !op.At.After(mark) {
			k.replicated[op.ID] = true
		}
	}
}

// slaveCovers waits until slave serves, in every queue of topic, the
// offsets acked says were acknowledged there: a slave serves from consume
// queues it fills from its commit log on its own time (seen here: its
// commit log at its master's offset while its queues were 200 messages
// behind), so reaching the offset is not yet serving it.
func slaveCovers(ctx context.Context, t *T, slave target.Broker, topic string, acked map[int]int64) error {
	want := map[int]int64{}
	for q := range faultQueues {
		want[q] = -1
	}
	maps.Copy(want, acked)
	if r := readback.AwaitCovered(ctx, adminOf(t), slave, topic, want); !r.Covered {
		return fmt.Errorf("slave %s does not serve what was acknowledged before the mark after %s: %s", slave.Pod, r.Waited.Round(time.Millisecond), r.Behind())
	}
	return nil
}

// replicatedFloor is how many messages the victim's shard acknowledges
// before the replication mark: the slave's read while its master is down
// is judged over seconds of load, not a handful, even when the topic was
// synced ahead and the mark could follow the load's start.
const replicatedFloor = 200

// awaitFloor waits, up to 20 s, for replicatedFloor acknowledged writes
// on the victim's shard; a load that gets fewer is judged on what it got.
func (k *masterKill) awaitFloor(ctx context.Context) {
	fctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	wait.Until(fctx, 20*time.Millisecond, "the load to reach "+strconv.Itoa(replicatedFloor)+" acks", func(context.Context) (bool, string, error) {
		return k.f.h.AcksIn(k.victimShard.Name, history.Window{End: time.Now()}) >= replicatedFloor, "", nil
	})
}

// readSlave reads the victim's shard from its slave while the master is
// down, as the slave serves it.
func (k *masterKill) readSlave(ctx context.Context, t *T) {
	start := time.Now()
	k.slaveRead = &readback.Shard{Broker: *k.slave, Msgs: map[int][]remoting.Message{}}
	k.slaveRead.Err = k.slaveRead.Pull(ctx, adminOf(t), k.f.topic, faultQueues)
	k.slaveReadTook = time.Since(start)
	k.stillDown = down(k.victim.Addr)
}

// fromSlave is what case t counts the slave as having served: the keys of
// the slave read, through the tests' read plant.
func (k *masterKill) fromSlave(t *T) map[string]bool {
	h := history.New()
	deliverTo(t, h, "slave", map[string]*readback.Shard{k.victimShard.Name: k.slaveRead})
	out := map[string]bool{}
	for _, op := range h.Ops() {
		out[op.ID] = true
	}
	return out
}

func killMaster(ctx context.Context, t *T) {
	k := killOfAMaster.of(ctx, t)
	if k.leader != nil {
		dledgerKillMaster(t, k)
		return
	}
	if k.backErr != nil {
		t.Fatalf(kmIdentity, "master %s did not come back: %v", k.victim.Pod, k.backErr)
	}
	h := k.f.judged(t)
	t.Figure("back_registered_after", float64(k.backAt.Sub(k.killAt).Milliseconds()), "ms")
	if k.identityErr != nil {
		t.Erroredf("not judged: read the config of %s after its return: %v", k.back.Pod, k.identityErr)
	}
	checkIdentity(t, kmIdentity, k.identity, k.back, "ASYNC_MASTER", 0)
	window := judgeResume(t, kmResume, h, k.victimShard.Name, k.back, k.killAt, k.backAt, "return")
	for _, o := range h.Unavailable(k.victimShard.Name) {
		if o.End.Before(k.killAt) {
			continue
		}
		t.Figure("write_unavailable", float64(o.Duration().Milliseconds()), "ms")
		t.Logf("shard %s refused writes for %s (%d failed sends), from %s; master down %s",
			k.victimShard.Name, o.Duration().Round(time.Millisecond), o.Failures, o.Start.Format("15:04:05.000"), k.backAt.Sub(k.killAt).Round(time.Millisecond))
		break
	}
	k.f.failedOutside(t, kmOutside, h, map[string]history.Window{k.victimShard.Name: window},
		fmt.Sprintf("the fault window (shard %s, from the kill until it took writes again)", k.victimShard.Name))
	k.f.judgeFinal(t, h, storeLoss{k.victimShard.Name, kmStore, k.killAt})
	judgeLabels(t, kmLabels, k.labels, k.victimShard.Name, "the master's return")
}

// dledgerKillMaster is failover/kill-master in DLedger mode: judged from
// the shared kill of a leader.
func dledgerKillMaster(t *T, k *masterKill) {
	e := k.leader
	h := k.f.judged(t)
	judgeElection(t, electionClauses{kmElected, kmVictimFollows, kmDLedgerLabel}, e, k.victimShard)
	if e.err == nil {
		t.Figure("leader_elected_after", float64(e.elected.Milliseconds()), "ms")
	}
	// Writes are judged from the election, when there was one: a late
	// election is the election clause's to fail.
	from := e.electedAt()
	first := e.resumedIn(h, k.victimShard.Name)
	end := first
	if first.IsZero() {
		end = time.Now()
		judgeLate(t, kmDLedgerResume, history.Window{Start: from, End: from.Add(routeRefresh + boundSlack)}, []string{e.leader.Pod},
			"shard %s took no write within %s of its leader's election (one route refresh plus %s)", k.victimShard.Name, routeRefresh+boundSlack, boundSlack)
	} else {
		t.Figure("first_write_after_kill", float64(first.Sub(e.killAt).Milliseconds()), "ms")
		t.Logf("the load's first write to %s after the kill was acknowledged %s after it: rocketmq-client-go learns of the new leader at its next route refresh (every 30 s), so this figure is the election plus up to one refresh",
			k.victimShard.Name, first.Sub(e.killAt).Round(time.Millisecond))
	}
	k.f.failedOutside(t, kmOutside, h, map[string]history.Window{k.victimShard.Name: {Start: e.killAt, End: end}},
		fmt.Sprintf("the fault window (shard %s, from the kill until it took writes again)", k.victimShard.Name))
	k.f.judgeFinal(t, h)
	judgeMembers(t, kmFollowersServe, k.members)
}

func readFromSlave(ctx context.Context, t *T) {
	k := killOfAMaster.of(ctx, t)
	sentThrough(t, k.f.h)
	if k.markErr != nil {
		// A slave the machine starved meanwhile may be late by no fault
		// of its own: inconclusive then, and failed otherwise.
		judgeLate(t, rfsReplicated, k.markWait, []string{k.slave.Pod}, "before the kill, slave %s did not replicate its master: %v", k.slave.Pod, k.markErr)
		return
	}
	if !k.stillDown {
		t.Erroredf("not judged: master %s was back before the slave read ended (%s after the kill); the read proves nothing: raise the recreate delay", k.victim.Pod, k.slaveReadTook)
	}
	t.Figure("replicated_before_kill", float64(len(k.replicated)), "")
	k.judgeSlaveRead(t, rfsServes, "down")
}

// judgeSlaveRead judges, for the case t under clause c, what the slave
// served while its master was lost (down, frozen) against what it had
// replicated before.
func (k *masterKill) judgeSlaveRead(t *T, c verdict.Clause, lost string) {
	if k.slaveRead.Err != nil {
		t.Errorf(c, "read shard %s from slave %s while its master was %s: %v", k.victimShard.Name, k.slave.Pod, lost, k.slaveRead.Err)
	}
	from := k.fromSlave(t)
	var missing []string
	for id := range k.replicated {
		if !from[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	t.Figure("read_from_slave", float64(len(from)), "")
	t.Logf("while %s was %s, slave %s served %d messages of shard %s in %s; %d of them were acknowledged before the replication mark",
		k.victim.Pod, lost, k.slave.Pod, len(from), k.victimShard.Name, k.slaveReadTook.Round(time.Millisecond), len(k.replicated))
	switch {
	case len(k.replicated) == 0:
		t.Erroredf("not judged: no message of shard %s was acknowledged before the replication mark: nothing to read from slave %s", k.victimShard.Name, k.slave.Pod)
	case len(missing) > 0:
		t.Errorf(c, "slave %s served %d of the %d replicated messages of %s while the master was %s; missing: %s",
			k.slave.Pod, len(k.replicated)-len(missing), len(k.replicated), k.victimShard.Name, lost, strings.Join(missing[:min(5, len(missing))], ", "))
	}
}

func otherShardsWrite(ctx context.Context, t *T) {
	k := killOfAMaster.of(ctx, t)
	t.Logf("the master of %s was down from %s to %s", k.victimShard.Name, k.killAt.Format("15:04:05.000"), k.backAt.Format("15:04:05.000"))
	k.f.keptWriting(t, oswWrites, k.f.judged(t), history.Window{Start: k.killAt, End: k.backAt}, k.victimShard.Name)
}

// killOfAMaster is the kill of a master, shared by the cases that judge it.
var killOfAMaster = sharedFault[*masterKill]{name: "kill of a master", perform: runKillMaster,
	ahead: []topicAhead{{"conformance-kill-master", faultQueues}}}
