package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// leaderKill is one leader kill in DLedger mode and what followed it.
type leaderKill struct {
	victim   target.Broker
	killAt   time.Time
	downAt   time.Time     // the kill returned: the victim answers no more
	leader   target.Broker // the leader elected after the kill
	elected  time.Duration // from the kill until every namesrv listed it at brokerId 0
	err      error         // no leader elected in election.Limit
	backAt   time.Time     // the victim registered again
	backErr  error
	identity map[string]string // the victim's config after its return
	returned target.Broker     // the victim as it came back
	identErr error
	labels   labelCheck
}

// electedAt is when the new leader was registered, or, when none was, the
// end of the election's limit.
func (e *leaderKill) electedAt() time.Time {
	if e.leader.Pod == "" {
		return e.killAt.Add(election.Limit)
	}
	return e.killAt.Add(e.elected)
}

// resumedIn is the first write h acknowledged on shard once the killed
// leader answered no more, within one route refresh (plus slack) of the
// election, or the zero time. A write acknowledged between the kill and
// then was the old leader's, not the shard taking writes again: on kind a
// deleted pod's broker answered for a moment, and a window closed on its
// last write blamed the election's timed-out sends.
func (e *leaderKill) resumedIn(h *history.History, shard string) time.Time {
	return firstAckAfter(h, shard, e.downAt, e.electedAt().Sub(e.downAt)+routeRefresh+boundSlack)
}

// killLeader kills the leader of shard name under f's load, waits for a
// new leader among the survivors, and for the victim to return. It
// records; the cases judge.
//
// It first waits for the followers to know f's topic: 4.9 keeps topic
// config outside the Raft log, so a follower learns a topic only at its
// 10 s sync from the leader, and one elected before that serves none of
// the topic's messages until a client re-creates it.
func killLeader(ctx context.Context, t *T, f *faultRun, name string) *leaderKill {
	s := shardNamed(ctx, t, name)
	if err := awaitSlaveTopics(ctx, t, []target.Shard{s}, f.topic); err != nil {
		t.Erroredf("not judged: before killing the leader of %s: %v", name, err)
	}
	e := &leaderKill{victim: s.Master()}
	f.h.FaultStart("kill leader " + e.victim.Pod)
	e.killAt = time.Now()
	if err := t.Target.Kill(ctx, e.victim); err != nil {
		t.Erroredf("kill %s: %v", e.victim.Pod, err)
	}
	e.downAt = time.Now()
	e.leader, e.err = election.AwaitLeader(ctx, t.Target, namesrvsOf(ctx, t), name, e.victim, election.Limit+routeRefresh)
	e.elected = time.Since(e.killAt)
	if e.err == nil && e.elected > election.Limit {
		e.err = fmt.Errorf("%s was registered as leader only %s after the kill", e.leader.Pod, e.elected.Round(time.Millisecond))
	}
	e.backErr = t.Target.AwaitBack(ctx, e.victim)
	e.backAt = time.Now()
	f.h.FaultEnd("kill leader " + e.victim.Pod)
	if e.backErr == nil {
		e.returned, e.identity, e.identErr = returnedBroker(ctx, t, e.victim)
		e.labels = awaitLabels(ctx, t, name)
	}
	return e
}

// shardNamed re-reads the shards and returns the one called name.
func shardNamed(ctx context.Context, t *T, name string) target.Shard {
	for _, s := range awaitShards(ctx, t) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf(clauseBrokers, "shard %s is gone from the target", name)
	return target.Shard{}
}

// electionClauses are the clauses a leader kill is judged under: the
// election, the victim's return, the master label.
type electionClauses struct {
	elected, follows, label verdict.Clause
}

// judgeElection fails t for what a leader kill broke: no leader elected in
// time, the victim not back as a follower, the label not on the leader.
func judgeElection(t *T, cs electionClauses, e *leaderKill, s target.Shard) {
	if e.err != nil {
		judgeLate(t, cs.elected, history.Window{Start: e.killAt, End: e.killAt.Add(election.Limit)}, election.Survivors(shardOf(t, s.Name), e.victim),
			"after %s was killed, shard %s elected no new leader within %s: %v", e.victim.Pod, s.Name, election.Limit, e.err)
	} else {
		t.Logf("%s was killed at %s; %s leads shard %s, registered in every namesrv %s later",
			e.victim.Pod, e.killAt.Format("15:04:05.000"), e.leader.Pod, s.Name, e.elected.Round(time.Millisecond))
	}
	switch {
	case e.backErr != nil:
		t.Errorf(cs.follows, "%s did not come back: %v", e.victim.Pod, e.backErr)
	case e.identErr != nil:
		t.Erroredf("not judged: read the config of %s after its return: %v", e.returned.Pod, e.identErr)
	default:
		checkIdentity(t, cs.follows, e.identity, e.returned, "SLAVE", e.returned.Ordinal+1)
	}
	judgeLabels(t, cs.label, e.labels, s.Name, "the election")
}

// shardOf is the shard called name as the target lists it now, without
// ending the case when the target cannot say.
func shardOf(t *T, name string) target.Shard {
	s, _ := election.ShardOf(context.Background(), t.Target, name)
	return s
}
