package scenarios

import (
	"context"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/replica"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of failover/kill-slave.
var (
	ksWrites   = verdict.Clause{ID: "writes-continue", Text: "every shard keeps accepting writes, no send failing"}
	ksIdentity = verdict.Clause{ID: "slave-identity", Text: "the slave returns as SLAVE with its brokerId and brokerName"}
	ksCatchUp  = verdict.Clause{ID: "catch-up", Text: "the slave catches up within 20 s"}
)

// killSlaveCase is failover/kill-slave; failover.go registers it in the
// suite's order.
var killSlaveCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "kill-slave",
	Promise: "With a slave killed under continuous load (in DLedger mode a follower, while a majority remains), every shard keeps accepting writes and no send fails; " +
		"the slave returns as SLAVE with the brokerId and brokerName its role gives it and, within 20 s after the writes stop, its commit log reaches its master's; no acknowledged message is lost or duplicated; where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0.",
	Description: "A slave that lost its store would copy the master's commit log again from the start of its current file, so on the small stores of a test run a lost slave store is not told apart from a kept one; the promise does not claim it. " +
		"In DLedger mode a follower registers at its member index + 1 and catches up to the leader's committed log.",
	Clauses:            []verdict.Clause{clauseBrokers, ksWrites, ksIdentity, ksCatchUp, clauseNotLost, clauseNotTwice, clauseLabelsSettle},
	Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
	MinReplicas:        2,
	DLedgerMinReplicas: 3,
	Timeout:            150 * time.Second,
	Recreations:        1,
}, Run: killSlave, Shares: killOfASlave}

// slaveKill is the record of one slave kill under load; failover/kill-slave
// judges it.
type slaveKill struct {
	f              *faultRun
	shard          target.Shard
	victim         target.Broker // as it came back
	killAt, backAt time.Time
	identity       map[string]string
	identityErr    error
	stopAt         time.Time // the load's end, from which catch-up is timed
	catchUp        time.Duration
	catchUpErr     error
	labels         labelCheck
}

// catchUpLimit bounds how long a slave may take to reach its master once
// the writes stop.
const catchUpLimit = 20 * time.Second

func killSlave(ctx context.Context, t *T) {
	k := killOfASlave.of(ctx, t)
	h := k.f.judged(t)
	t.Figure("back_registered_after", float64(k.backAt.Sub(k.killAt).Milliseconds()), "ms")
	k.f.keptWriting(t, ksWrites, h, history.Window{Start: k.killAt, End: k.backAt}, "")
	judgeLabels(t, clauseLabelsSettle, k.labels, k.shard.Name, "the slave's return")
	if k.identityErr != nil {
		t.Erroredf("not judged: read the config of %s after its return: %v", k.victim.Pod, k.identityErr)
	}
	checkIdentity(t, ksIdentity, k.identity, k.victim, "SLAVE", brokerID(t, k.shard, k.victim))
	if k.catchUpErr != nil {
		judgeLate(t, ksCatchUp, history.Window{Start: k.stopAt, End: k.stopAt.Add(catchUpLimit)}, []string{k.shard.Master().Pod, k.victim.Pod},
			"slave %s did not catch up with %s within %s after the writes stopped: %v", k.victim.Pod, k.shard.Master().Pod, catchUpLimit, k.catchUpErr)
	} else {
		t.Waited("catch_up", k.catchUp, timerHAReconnect)
	}
	k.f.failedOutside(t, ksWrites, h, nil, "any fault window (a slave's loss must not touch writes)")
	k.f.judgeFinal(t, h)
}

// runKillSlave kills the first shard's first slave under load and records
// its return, its identity and its catch-up.
func runKillSlave(ctx context.Context, t *T) *slaveKill {
	f := startFaultRun(ctx, t, "conformance-kill-slave")
	k := &slaveKill{f: f, shard: f.shards[0], victim: f.shards[0].Slaves()[0]}
	f.h.FaultStart("kill " + k.victim.Pod)
	k.killAt = time.Now()
	if err := t.Target.Kill(ctx, k.victim); err != nil {
		t.Erroredf("kill %s: %v", k.victim.Pod, err)
	}
	if err := t.Target.AwaitBack(ctx, k.victim); err != nil {
		t.Fatalf(ksIdentity, "slave %s did not come back: %v", k.victim.Pod, err)
	}
	k.backAt = time.Now()
	f.h.FaultEnd("kill " + k.victim.Pod)
	k.labels = awaitLabels(ctx, t, k.shard.Name)
	k.victim, k.identity, k.identityErr = returnedBroker(ctx, t, k.victim)
	k.shard = shardNamed(ctx, t, k.shard.Name)
	// The slave is back and registered with every namesrv, its master
	// found, and nothing from here on asks a namesrv: a namesrv killed now
	// changes neither where the slave replicates from nor what this run
	// reads (on kube a namesrv being recreated is missing from the list).
	if g := t.session.cue(slaveKillName); g != "" {
		t.Logf("the %s started beside this run once %s was back, before its writes stopped; this run's clients keep off the namesrv it restarts", g, k.victim.Pod)
	}
	f.load.Stop()
	k.stopAt = time.Now()
	t.plants.loadStopped([]target.Shard{k.shard})
	k.catchUp, k.catchUpErr = replica.AwaitCaughtUp(ctx, adminOf(t), k.shard.Master(), k.victim, catchUpLimit)
	f.stop(ctx, t)
	return k
}

// killOfASlave is the kill of a slave, shared by the cases that judge it.
var killOfASlave = sharedFault[*slaveKill]{name: slaveKillName, perform: runKillSlave}

// slaveKillName names the kill of a slave, for the run that starts beside
// it (the kill of a namesrv).
const slaveKillName = "kill of a slave"
