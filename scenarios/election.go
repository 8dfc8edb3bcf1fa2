package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// electionLimit bounds how long a Raft group may take to elect a new
// leader and have it registered in every namesrv. RocketMQ's maintainers
// verified DLedger failover within 10 s (apache/rocketmq#3482); a busy
// machine gets three times that.
const electionLimit = 30 * time.Second

// election is one leader kill in DLedger mode and what followed it.
type election struct {
	victim   target.Broker
	killAt   time.Time
	downAt   time.Time     // the kill returned: the victim answers no more
	leader   target.Broker // the leader elected after the kill
	elected  time.Duration // from the kill until every namesrv listed it at brokerId 0
	err      error         // no leader elected in electionLimit
	backAt   time.Time     // the victim registered again
	backErr  error
	identity map[string]string // the victim's config after its return
	returned target.Broker     // the victim as it came back
	identErr error
	labels   labelCheck
}

// electedAt is when the new leader was registered, or, when none was, the
// end of the election's limit.
func (e *election) electedAt() time.Time {
	if e.leader.Pod == "" {
		return e.killAt.Add(electionLimit)
	}
	return e.killAt.Add(e.elected)
}

// resumedIn is the first write h acknowledged on shard once the killed
// leader answered no more, within one route refresh (plus slack) of the
// election, or the zero time. A write acknowledged between the kill and
// then was the old leader's, not the shard taking writes again: on kind a
// deleted pod's broker answered for a moment, and a window closed on its
// last write blamed the election's timed-out sends.
func (e *election) resumedIn(h *history.History, shard string) time.Time {
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
func killLeader(t *T, ctx context.Context, f *faultRun, name string) *election {
	s := shardNamed(t, ctx, name)
	if err := awaitSlaveTopics(t, ctx, []target.Shard{s}, f.topic); err != nil {
		t.Erroredf("not judged: before killing the leader of %s: %v", name, err)
	}
	e := &election{victim: s.Master()}
	f.h.FaultStart("kill leader " + e.victim.Pod)
	e.killAt = time.Now()
	if err := t.Target.Kill(ctx, e.victim); err != nil {
		t.Erroredf("kill %s: %v", e.victim.Pod, err)
	}
	e.downAt = time.Now()
	e.leader, e.err = awaitLeader(t, ctx, name, e.victim)
	e.elected = time.Since(e.killAt)
	if e.err == nil && e.elected > electionLimit {
		e.err = fmt.Errorf("%s was registered as leader only %s after the kill", e.leader.Pod, e.elected.Round(time.Millisecond))
	}
	e.backErr = t.Target.AwaitBack(ctx, e.victim)
	e.backAt = time.Now()
	f.h.FaultEnd("kill leader " + e.victim.Pod)
	if e.backErr == nil {
		e.returned, e.identity, e.identErr = returnedBroker(t, ctx, e.victim)
		e.labels = awaitLabels(t, ctx, name)
	}
	return e
}

// labelSettle bounds how long a platform's role labels may take to agree
// with a new leader: the addon's role probe runs every 5 s, and a label
// counts once it held still for two periods; a busy machine gets a margin.
const labelSettle = 30 * time.Second

// awaitLeaderLabel waits until exactly one member of shard name is
// labelled master and it is the broker every namesrv lists at brokerId 0,
// and returns "" or, after labelSettle, how they disagree (the class of
// apecloud/kubeblocks#10082, a master label missing after restarts in
// DLedger mode).
func awaitLeaderLabel(t *T, ctx context.Context, name string) string {
	wctx, cancel := context.WithTimeout(ctx, labelSettle)
	defer cancel()
	var why string
	wait.Until(wctx, 500*time.Millisecond, "the master label of "+name+" to agree with its leader", func(ctx context.Context) (bool, string, error) {
		w, err := leaderLabelMismatch(t, ctx, name)
		switch {
		case err == nil:
			why = w
		case wctx.Err() != nil:
			// The deadline cut this read short: what was seen before
			// stands, not the timeout it ended in.
		case why == "":
			why = err.Error()
		}
		return err == nil && w == "", why, nil
	})
	return why
}

// clauseLabelsSettle is a clause of every case that kills or freezes a
// broker: on a platform that labels roles, the labels must agree with the
// brokers again once the fault is over (apecloud/kubeblocks#10082: the
// master label went missing after restarts).
var clauseLabelsSettle = verdict.Clause{ID: "labels-settle", Text: "where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0"}

// labelCheck is what a fault run saw of a shard's role labels after the
// fault: why the target has none, or how they disagreed with the brokers
// until labelSettle ran out ("" when they agreed); and, for a judgement
// through the tests' label plant, the shard as last read and the brokers
// the namesrvs listed at brokerId 0.
type labelCheck struct {
	lacks      string
	wrong      string
	shard      target.Shard
	registered []string // addresses
}

// awaitLabels waits, where the target labels roles, for shard name's
// labels to agree with the brokers, and records what it saw.
func awaitLabels(t *T, ctx context.Context, name string) labelCheck {
	lc := labelCheck{lacks: t.Target.Abilities().Lacks(verdict.RoleLabels)}
	if lc.lacks == "" {
		lc.wrong = awaitLeaderLabel(t, ctx, name)
	}
	lc.shard, lc.registered, _ = leaderRegistration(t, ctx, name)
	return lc
}

// judgeLabels judges, under clause c, what a fault run saw of shard
// name's labels after the fault named after. Without platform labels (the
// local target) there is nothing to compare, and the evidence says so.
func judgeLabels(t *T, c verdict.Clause, lc labelCheck, name, after string) {
	if t.plants.labels != nil {
		lc.lacks, lc.wrong = "", labelMismatch(t.plants.labels(lc.shard), lc.registered)
	}
	switch {
	case lc.lacks != "":
		t.Logf("role labels not checked after %s: %s", after, lc.lacks)
	case lc.wrong != "":
		t.Errorf(c, "after %s, within %s, the role labels of %s did not settle: %s", after, labelSettle, name, lc.wrong)
	default:
		t.Logf("after %s, the role labels of %s agree with the brokers: one master, registered at brokerId 0", after, name)
	}
}

// labelsSettled checks, under clause c, that shard name's labels settle
// after the fault named after.
func labelsSettled(t *T, ctx context.Context, c verdict.Clause, name, after string) {
	judgeLabels(t, c, awaitLabels(t, ctx, name), name, after)
}

// leaderLabelMismatch says how shard name's master labels disagree with
// the broker the namesrvs list at brokerId 0, or "", or why it could not
// read one of them.
func leaderLabelMismatch(t *T, ctx context.Context, name string) (string, error) {
	s, registered, err := leaderRegistration(t, ctx, name)
	if err != nil {
		return "", err
	}
	return labelMismatch(s, registered), nil
}

// leaderRegistration reads shard name from the target and the address
// every namesrv lists at its brokerId 0.
func leaderRegistration(t *T, ctx context.Context, name string) (target.Shard, []string, error) {
	shards, err := t.Target.Shards(ctx)
	if err != nil {
		return target.Shard{}, nil, err
	}
	s := target.Shard{Name: name, Leader: -1}
	for _, sh := range shards {
		if sh.Name == name {
			s = sh
		}
	}
	var registered []string
	for _, ns := range namesrvAddrs(t, ctx) {
		ci, err := adminOf(t).ClusterInfo(ctx, ns)
		if err != nil {
			return s, nil, err
		}
		if a := ci.BrokerAddrTable[name].BrokerAddrs[0]; !slices.Contains(registered, a) {
			registered = append(registered, a)
		}
	}
	return s, registered, nil
}

// labelMismatch says how s's master labels disagree with the brokers at
// the registered addresses, or "".
func labelMismatch(s target.Shard, registered []string) string {
	var masters []string
	podAt := map[string]string{}
	for _, b := range s.Brokers {
		podAt[b.Addr] = b.Pod
		if b.RoleLabel == "master" {
			masters = append(masters, b.Pod)
		}
	}
	var pods []string
	for _, a := range registered {
		pods = append(pods, podAt[a])
	}
	switch {
	case len(masters) != 1:
		return fmt.Sprintf("%d members of %s are labelled master (%s), expected exactly one", len(masters), s.Name, strings.Join(masters, ", "))
	case len(pods) != 1 || pods[0] != masters[0]:
		return fmt.Sprintf("%s is labelled master, but the namesrvs list %q at brokerId 0 of %s", masters[0], pods, s.Name)
	}
	return ""
}

// shardNamed re-reads the shards and returns the one called name.
func shardNamed(t *T, ctx context.Context, name string) target.Shard {
	for _, s := range awaitShards(t, ctx) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf(clauseBrokers, "shard %s is gone from the target", name)
	return target.Shard{}
}

// awaitLeader waits until every namesrv lists a broker of shard name other
// than old at brokerId 0, and returns it. It waits past electionLimit, for
// one route refresh more, so that a late election is measured and the
// shard's writes are judged from it, not only cut off.
func awaitLeader(t *T, ctx context.Context, name string, old target.Broker) (target.Broker, error) {
	rc := adminOf(t)
	wctx, cancel := context.WithTimeout(ctx, electionLimit+routeRefresh)
	defer cancel()
	var leader target.Broker
	err := wait.Until(wctx, 50*time.Millisecond, "shard "+name+" to elect a leader other than "+old.Pod, func(ctx context.Context) (bool, string, error) {
		s, err := t.Target.Shards(ctx)
		if err != nil {
			return false, err.Error(), nil
		}
		var members []target.Broker
		for _, sh := range s {
			if sh.Name == name {
				members = sh.Brokers
			}
		}
		addrs := map[string]bool{}
		for _, ns := range namesrvAddrs(t, ctx) {
			ci, err := rc.ClusterInfo(ctx, ns)
			if err != nil {
				return false, err.Error(), nil
			}
			addrs[ci.BrokerAddrTable[name].BrokerAddrs[0]] = true
		}
		if len(addrs) != 1 {
			return false, fmt.Sprintf("the namesrvs list %d brokers at brokerId 0", len(addrs)), nil
		}
		for _, b := range members {
			if addrs[b.Addr] && b.Pod != old.Pod {
				leader = b
				return true, "", nil
			}
		}
		return false, "no survivor leads yet", nil
	})
	return leader, err
}

// electionClauses are the clauses a leader kill is judged under: the
// election, the victim's return, the master label.
type electionClauses struct {
	elected, follows, label verdict.Clause
}

// judgeElection fails t for what a leader kill broke: no leader elected in
// time, the victim not back as a follower, the label not on the leader.
func judgeElection(t *T, cs electionClauses, e *election, s target.Shard) {
	if e.err != nil {
		judgeLate(t, cs.elected, history.Window{Start: e.killAt, End: e.killAt.Add(electionLimit)}, survivors(shardOf(t, s.Name), e.victim),
			"after %s was killed, shard %s elected no new leader within %s: %v", e.victim.Pod, s.Name, electionLimit, e.err)
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

// shardOf is the shard called name as the case last listed it, without
// ending the case when the target cannot say.
func shardOf(t *T, name string) target.Shard {
	shards, err := t.Target.Shards(context.Background())
	if err == nil {
		for _, s := range shards {
			if s.Name == name {
				return s
			}
		}
	}
	return target.Shard{Name: name}
}

// survivors names the members of s but victim.
func survivors(s target.Shard, victim target.Broker) []string {
	var out []string
	for _, b := range s.Brokers {
		if b.Pod != victim.Pod {
			out = append(out, b.Pod)
		}
	}
	return out
}

// dledgerKillMaster is failover/kill-master in DLedger mode: judged from
// the shared kill of a leader.
func dledgerKillMaster(t *T, k *masterKill) {
	e := k.election
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

// memberRead is one member's read-back of a shard, and its leader's, as
// they served them, to compare.
type memberRead struct {
	shard        string
	leader       target.Broker
	member       target.Broker
	waited       time.Duration
	mine, theirs map[int][]remoting.Message // by queue
	err          error
}

// missing lists the leader's messages the member does not serve at their
// offsets, as case t counts them: both reads pass through its read plant.
func (mr memberRead) missing(t *T) []string {
	var out []string
	for _, q := range slices.Sorted(maps.Keys(mr.theirs)) {
		at := map[int64]string{}
		for _, msg := range t.plants.read(mr.member.Addr, mr.mine[q]) {
			at[msg.QueueOffset] = msg.Keys()
		}
		for _, msg := range t.plants.read(mr.leader.Addr, mr.theirs[q]) {
			if at[msg.QueueOffset] != msg.Keys() {
				out = append(out, fmt.Sprintf("%s@%d/%d", msg.Keys(), q, msg.QueueOffset))
			}
		}
	}
	return out
}

// readMembers reads topic from every follower of every shard, once each
// covers its leader's offsets, and from the leader: what a follower holds
// must be what was committed (the class of apache/rocketmq#6509,
// acknowledged messages truncated after an election).
func readMembers(t *T, ctx context.Context, topic string, queues int, reads map[string]*readback.Shard) []memberRead {
	var out []memberRead
	shards := awaitShards(t, ctx)
	if err := awaitSlaveTopics(t, ctx, shards, topic); err != nil {
		t.Erroredf("not judged: before reading the followers: %v", err)
	}
	for _, s := range shards {
		leaderRead, ok := reads[s.Name]
		if !ok {
			continue
		}
		want := map[int]int64{}
		for q, qr := range leaderRead.Queues {
			want[q] = qr.Max - 1
		}
		for _, m := range s.Slaves() {
			mr := memberRead{shard: s.Name, leader: s.Master(), member: m, mine: map[int][]remoting.Message{}, theirs: map[int][]remoting.Message{}}
			mr.waited = readback.AwaitCovered(ctx, adminOf(t), m, topic, want).Waited
			for q := 0; q < queues && mr.err == nil; q++ {
				mr.mine[q], mr.err = readback.Queue(ctx, adminOf(t), m.Addr, topic, q)
				if mr.err == nil {
					mr.theirs[q], mr.err = readback.Queue(ctx, adminOf(t), s.Master().Addr, topic, q)
				}
			}
			out = append(out, mr)
		}
	}
	return out
}

// judgeMembers fails clause c for every follower that does not serve its
// leader's messages at their offsets.
func judgeMembers(t *T, c verdict.Clause, reads []memberRead) {
	if len(reads) == 0 {
		t.Errorf(c, "no follower was read back: every member's content is part of the promise")
	}
	for _, mr := range reads {
		missing := mr.missing(t)
		switch {
		case mr.err != nil:
			t.Errorf(c, "read follower %s of %s: %v", mr.member.Pod, mr.shard, mr.err)
		case len(missing) > 0:
			t.Errorf(c, "follower %s of %s does not serve %d of its leader %s's messages at their offsets (after waiting %s): %s",
				mr.member.Pod, mr.shard, len(missing), mr.leader.Pod, mr.waited.Round(time.Millisecond), strings.Join(missing[:min(5, len(missing))], ", "))
		default:
			t.Logf("follower %s of %s serves every message of its leader %s at the same offsets", mr.member.Pod, mr.shard, mr.leader.Pod)
		}
	}
}
