package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/verdict"
)

// freezeHold is how long the master stays frozen: past a send's timeout,
// so that sends to it are seen to fail, not only to be slow.
const freezeHold = load.SendTimeout + 10*time.Second

// The clauses of failover/freeze-master.
var (
	clauseFrozenOthers = verdict.Clause{ID: "others-write", Text: "the other shards keep accepting writes while a master is frozen, none failing"}
	clauseFrozenSlave  = verdict.Clause{ID: "slave-serves", Text: "while the master is frozen, its slave serves every message replicated before the freeze"}
	clauseFrozenSent   = verdict.Clause{ID: "no-failed-send", Text: "no send fails outside the freeze window (the freeze until the shard takes writes again)"}
	clauseFrozenResume = verdict.Clause{ID: "writes-resume", Text: "after the thaw the shard takes writes again within one route refresh"}
)

// freezeMasterCase is failover/freeze-master; failover.go registers it in
// the suite's order.
var freezeMasterCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "freeze-master",
	Promise: "Under continuous load, a frozen master (stalled, holding its connections open) does not stop the Cluster: the other shards keep accepting writes, none failing; its slave serves every message replicated before the freeze; " +
		"after the thaw the shard takes writes again within one route refresh (30 s, plus 5 s), no send fails outside that window, no acknowledged message is lost or read back twice, and where a platform labels roles, the labels settle again to one master, the broker registered at brokerId 0.",
	Description: "Unlike a killed broker, a frozen one keeps its TCP connections: sends to it hang until the client's timeout (the case reports for how long) and the namesrv keeps it listed for up to 120 s, so the clients do not route around it. " +
		fmt.Sprintf("The master stays frozen %s (the send timeout plus 10 s). ", freezeHold) +
		"Not checked in DLedger mode, where a frozen leader is voted out and the promise is failover/kill-master's. Slow: about a minute.",
	Clauses:     []verdict.Clause{clauseBrokers, clauseFrozenOthers, clauseFrozenSlave, clauseFrozenResume, clauseFrozenSent, clauseNotLost, clauseNotTwice, clauseLabelsSettle},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Freezing},
	MinShards:   2,
	MinReplicas: 2,
	NotIn:       Mode{DLedger: true},
	NotInWhy:    "a frozen leader is replaced by an election among its peers, which failover/kill-master checks",
	Slow:        true,
	Timeout:     4 * time.Minute,
}, Run: freezeMaster, Shares: freezeOfAMaster}

// masterFreeze is the record of one master freeze under load;
// failover/freeze-master judges it.
type masterFreeze struct {
	k                *masterKill // the run, the victim, its slave and what the slave served
	frozenAt, thawAt time.Time
	hang             time.Duration // how long the first failed send to the frozen master hung; 0 if none failed
	labels           labelCheck
}

func freezeMaster(ctx context.Context, t *T) {
	fz := freezeOfAMaster.of(ctx, t)
	k, f := fz.k, fz.k.f
	h := f.judged(t)
	if fz.hang > 0 {
		t.Figure("send_hang", float64(fz.hang.Milliseconds()), "ms")
		t.Logf("a send to the frozen master hung %s before it failed (send timeout %s)", fz.hang.Round(time.Millisecond), load.SendTimeout)
	} else {
		t.Logf("no send to the frozen master failed within the %s freeze: no hang time to report", freezeHold)
	}
	f.keptWriting(t, clauseFrozenOthers, h, history.Window{Start: fz.frozenAt, End: fz.thawAt}, k.victimShard.Name)
	k.judgeSlaveRead(t, clauseFrozenSlave, "frozen")
	window := judgeResume(t, clauseFrozenResume, h, k.victimShard.Name, k.victim, fz.frozenAt, fz.thawAt, "thaw")
	judgeLabels(t, clauseLabelsSettle, fz.labels, k.victimShard.Name, "the thaw")
	// A send to another shard that failed while the master was frozen (or
	// was in flight then) is others-write's to judge; outside the freeze
	// it is this clause's.
	allowed := map[string]history.Window{}
	for _, s := range f.shards {
		allowed[s.Name] = history.Window{Start: fz.frozenAt, End: fz.thawAt.Add(load.SendTimeout)}
	}
	allowed[k.victimShard.Name] = window
	f.failedOutside(t, clauseFrozenSent, h, allowed,
		fmt.Sprintf("the freeze window (shard %s, from the freeze until it took writes again; the others, the freeze)", k.victimShard.Name))
	f.judgeFinal(t, h)
}

// runFreezeMaster freezes the first shard's master under load for
// freezeHold, reads its slave meanwhile, thaws it and records what
// followed.
func runFreezeMaster(ctx context.Context, t *T) *masterFreeze {
	fr := t.Target.Abilities().Freezer
	f := startFaultRun(ctx, t, "conformance-freeze-master")
	k := &masterKill{f: f, victimShard: f.shards[0], victim: f.shards[0].Master()}
	k.slave = &k.victimShard.Slaves()[0]
	k.markReplicated(ctx, t)
	if k.markErr != nil {
		t.Erroredf("not judged: before the freeze, slave %s did not replicate its master: %v", k.slave.Pod, k.markErr)
	}
	fz := &masterFreeze{k: k}
	f.h.FaultStart("freeze " + k.victim.Pod)
	endOn(t, "freeze "+k.victim.Pod, fr.FreezeBroker(ctx, k.victim))
	fz.frozenAt = time.Now()
	thawed := false
	defer func() {
		if !thawed {
			fr.ThawBroker(context.WithoutCancel(ctx), k.victim)
		}
	}()
	t.Logf("froze %s at %s", k.victim.Pod, fz.frozenAt.Format("15:04:05.000"))
	k.readSlave(ctx, t)
	fz.hang = f.awaitFailure(ctx, k.victimShard.Name, fz.frozenAt, freezeHold)
	if err := fr.ThawBroker(ctx, k.victim); err != nil {
		t.Erroredf("thaw %s: %v", k.victim.Pod, err)
	}
	thawed = true
	fz.thawAt = time.Now()
	f.h.FaultEnd("freeze " + k.victim.Pod)
	f.awaitWrites(ctx, k.victimShard.Name, fz.thawAt, routeRefresh+boundSlack)
	fz.labels = awaitLabels(ctx, t, k.victimShard.Name)
	f.stop(ctx, t)
	return fz
}

// awaitFailure holds the freeze until limit after from, and returns how
// long the first send to shard that failed after from had hung (from its
// invocation, which may precede the freeze), or 0 if none failed.
func (f *faultRun) awaitFailure(ctx context.Context, shard string, from time.Time, limit time.Duration) time.Duration {
	wctx, cancel := context.WithDeadline(ctx, from.Add(limit))
	defer cancel()
	var hang time.Duration
	wait.Until(wctx, 100*time.Millisecond, "a send to the frozen shard "+shard+" to fail", func(context.Context) (bool, string, error) {
		invoked := map[string]time.Time{}
		for _, op := range f.h.Ops() {
			switch {
			case op.Kind == history.Invoke && op.Shard == shard:
				invoked[op.ID] = op.At
			case op.Kind == history.Fail && op.Shard == shard && op.At.After(from) && !invoked[op.ID].IsZero() && hang == 0:
				hang = op.At.Sub(invoked[op.ID])
			}
		}
		return false, "", nil // the freeze lasts limit in any case
	})
	return hang
}

// freezeOfAMaster is the freeze of a master, shared by the cases that judge it.
var freezeOfAMaster = sharedFault[*masterFreeze]{name: "freeze of a master", perform: runFreezeMaster,
	ahead: []topicAhead{{"conformance-freeze-master", faultQueues}}}
