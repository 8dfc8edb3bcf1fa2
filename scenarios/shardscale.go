package scenarios

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/topic"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/shard-scale.
var (
	shSucceeded = verdict.Clause{ID: "succeeded", Text: "the scale-out by one shard, and the scale-in back, each end Succeed within their bound"}
	shNewShard  = verdict.Clause{ID: "new-shard", Text: "the scale-out adds exactly one shard with the sharding's replicas: its ordinal 0 registered at brokerId 0 and each other pod at its ordinal, in every namesrv, within one registration period"}
	shLabelled  = verdict.Clause{ID: "labelled", Text: "where a platform labels roles, the new shard's ordinal 0 is labelled master and the others slave"}
	shServes    = verdict.Clause{ID: "new-shard-serves", Text: "a topic created on the new shard takes a send"}
	shRoutes    = verdict.Clause{ID: "routes-writable", Text: "after each step, a topic created before the scalings is writable on every shard its route lists, and its route lists a shard"}
	shRemoved   = verdict.Clause{ID: "removed", Text: "the scale-in removes exactly one shard, the one KubeBlocks 1.0.2 removes (the name that sorts last), and no namesrv lists its brokers within the broker expiry"}
	shWrites    = verdict.Clause{ID: "writes", Text: "no send of the steady load fails across the scale-out"}
)

// shardScaleCase is operations/shard-scale; operations.go registers it
// last: its scale-in may remove a shard the earlier cases wrote to.
var shardScaleCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "shard-scale",
	Promise: "Under continuous load, a scale-out of the brokers by one shard, asked of the platform (KubeBlocks: a HorizontalScaling OpsRequest setting the sharding's shards), succeeds within its bound; " +
		"the new shard registers with its roles (labelled where the platform labels them) and serves a topic created on it; a topic that existed before is writable on every shard its route lists; " +
		"no send fails, and no acknowledged message is lost or duplicated. A scale-in by one shard then removes the shard KubeBlocks 1.0.2 removes, which leaves every namesrv, and the topic is still writable where it is routed.",
	Description: "KubeBlocks 1.0.2 names a new shard at random and removes the shards whose names sort last; it copies no topic to a new shard and drains none it removes (the addon's shardRemove action is on main only). " +
		"So the suite, as a user of 1.0.2 must, stops its load and reads every message back before the scale-in; how many acknowledged messages the removed shard held is reported. " +
		"On a user's cluster the scale-in can remove a shard holding their messages. The local target scales the same way.",
	Clauses: []verdict.Clause{clauseBrokers, shSucceeded, shNewShard, shLabelled, shServes, shRoutes, shRemoved, shWrites, clauseNotLost, clauseNotTwice},
	Needs:   []verdict.Capability{verdict.Messaging, verdict.Operations},
	Slow:    true,
	Timeout: 20 * time.Minute,
}, Run: shardScale, Shares: shardScaleOfBrokers}

// shardScaleOfBrokers is the scale-out and scale-in, performed once and
// judged from its record.
var shardScaleOfBrokers = sharedFault[*shardScaleRun]{name: "scale-out and scale-in of the broker shards", perform: runShardScale}

// shardScaleRun is the record of the two steps.
type shardScaleRun struct {
	f        *faultRun
	bound    time.Duration
	out, in  target.Operation
	added    []target.Shard    // the shards the scale-out added
	regWrong map[string]string // pod -> how its registration was wrong
	lacks    string
	labels   []string
	serves   []probeResult  // the send to a topic created on the new shard
	routes   [2]routeProbe  // the old topic after each step
	listed   []string       // the removed shard's brokers some namesrv still listed
	held     map[string]int // shard -> the load's messages acknowledged there
}

// routeProbe is where a topic was routed, and a send to each such shard.
type routeProbe struct {
	err    error
	routed []string
	sends  []probeResult
}

func shardScale(ctx context.Context, t *T) {
	r := shardScaleOfBrokers.of(ctx, t)
	h := r.f.judged(t)
	if why := shardsMismatch(r.f.shards, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "%s", why)
	}
	out := judgedOperation(t, r.out)
	judgeStopStartOp(t, shSucceeded, out, r.bound)
	if out.Phase == target.OpSucceeded {
		judgeNewShard(t, r)
		judgeRoute(t, r.routes[0], "the scale-out")
	}
	r.f.failedOutside(t, shWrites, h, nil, "nothing: adding a shard must not disturb the sends to the others")
	r.f.judgeFinal(t, h)
	if out.Phase == target.OpSucceeded {
		in := judgedOperation(t, r.in)
		judgeStopStartOp(t, shSucceeded, in, r.bound)
		judgeRemovedShard(t, r, out, in)
	}
}

// judgeNewShard judges the shard the scale-out added.
func judgeNewShard(t *T, r *shardScaleRun) {
	if len(r.added) != 1 {
		var names []string
		for _, s := range r.added {
			names = append(names, s.Name)
		}
		t.Errorf(shNewShard, "the scale-out added %d shards (%s); expected one", len(r.added), orNone(names))
		return
	}
	s := r.added[0]
	if want := len(r.f.shards[0].Brokers); len(s.Brokers) != want {
		t.Errorf(shNewShard, "the new shard %s has %d brokers (%s); the sharding has %d replicas", s.Name, len(s.Brokers), podsText(s.Brokers), want)
	}
	wrong := judgedRegistrations(t, r.regWrong, s.Brokers)
	for _, b := range s.Brokers {
		if w := wrong[b.Pod]; w != "" {
			t.Errorf(shNewShard, "%s, within %s: %s", b.Pod, reregisterBound, w)
		}
	}
	switch {
	case r.lacks != "":
		t.Logf("role labels not checked: %s", r.lacks)
	case len(r.labels) > 0:
		for _, w := range r.labels {
			t.Errorf(shLabelled, "within %s: %s", election.LabelSettle, w)
		}
	default:
		t.Logf("the new shard %s is labelled: one master at ordinal 0, the rest slave", s.Name)
	}
	if len(r.serves) == 0 {
		t.Errorf(shServes, "no send went to a topic on the new shard %s", s.Name)
	}
	for _, p := range r.serves {
		if err := judgedProbe(t, "new-shard", p); err != nil {
			t.Errorf(shServes, "a send to a topic created on the new shard %s failed: %v", p.shard, err)
		} else {
			t.Logf("a send to a topic created on the new shard %s was acknowledged", p.shard)
		}
	}
}

// judgeRoute judges where the old topic was routed after step, and the
// sends there.
func judgeRoute(t *T, rp routeProbe, step string) {
	switch {
	case rp.err != nil:
		t.Errorf(shRoutes, "after %s, read the route of the old topic: %v", step, rp.err)
	case len(rp.routed) == 0:
		t.Errorf(shRoutes, "after %s, the old topic's route lists no shard", step)
	}
	t.Logf("after %s the old topic is routed to %s", step, orNone(rp.routed))
	for _, p := range rp.sends {
		if err := judgedProbe(t, "route", p); err != nil {
			t.Errorf(shRoutes, "after %s, a send of the old topic to %s, which its route lists, failed: %v", step, p.shard, err)
		}
	}
}

// judgeRemovedShard judges what the scale-in in removed of the shards
// the scale-out out left.
func judgeRemovedShard(t *T, r *shardScaleRun, out, in target.Operation) {
	if in.Phase != target.OpSucceeded {
		return
	}
	var removed []string
	for _, name := range out.Shards {
		if !slices.Contains(in.Shards, name) {
			removed = append(removed, name)
		}
	}
	want := ""
	if len(out.Shards) > 0 {
		want = slices.Max(out.Shards)
	}
	if len(removed) != 1 || removed[0] != want {
		t.Errorf(shRemoved, "the scale-in removed %s of %s; KubeBlocks 1.0.2 removes %s, the name that sorts last", orNone(removed), orNone(out.Shards), want)
	}
	for _, name := range removed {
		t.Logf("the removed shard %s held %d acknowledged messages of the load, read back before the scale-in; KubeBlocks 1.0.2 drains nothing", name, r.held[name])
		t.Figure("removed_shard_acked", float64(r.held[name]), "")
	}
	for _, l := range r.listed {
		t.Errorf(shRemoved, "%s, %s after the scale-in", l, expiryBound)
	}
	judgeRoute(t, r.routes[1], "the scale-in")
}

// runShardScale adds a shard under load, reads the load back, then
// removes a shard.
func runShardScale(ctx context.Context, t *T) *shardScaleRun {
	f := startFaultRun(ctx, t, "conformance-shardscale")
	r := &shardScaleRun{f: f, bound: 2 * nsScaleBound(t), held: map[string]int{}}
	old := uniqueName("conformance-shardscale-old")
	createTopic(ctx, t, old, 1)
	op := t.Target.Abilities().Operator
	r.out = f.operate(ctx, t, "scale-out of the broker shards by 1", r.bound, func(ctx context.Context) (target.Operation, error) {
		return op.ScaleShards(ctx, 1)
	})
	if r.out.Phase == target.OpSucceeded {
		r.observeAdded(ctx, t)
		r.routes[0] = probeRoute(ctx, t, old)
	}
	f.stopOn(ctx, t, liveShards(ctx, t))
	if r.out.Phase != target.OpSucceeded {
		return r
	}
	for _, s := range f.shards {
		r.held[s.Name] = f.h.AcksIn(s.Name, history.Window{End: time.Now()})
	}
	before := allBrokers(liveShards(ctx, t))
	r.in = f.operate(ctx, t, "scale-in of the broker shards by 1", r.bound, func(ctx context.Context) (target.Operation, error) {
		return op.ScaleShards(ctx, -1)
	})
	if r.in.Phase == target.OpSucceeded {
		gone := map[string]string{}
		for _, b := range before {
			if !slices.Contains(r.in.Shards, b.Shard) {
				gone[b.Pod] = b.Addr
			}
		}
		r.listed = awaitUnlisted(ctx, t, gone)
		r.routes[1] = probeRoute(ctx, t, old)
	}
	return r
}

// observeAdded finds the shard the scale-out added and waits for its
// registration and labels, then sends to a topic created on it.
func (r *shardScaleRun) observeAdded(ctx context.Context, t *T) {
	for _, s := range liveShards(ctx, t) {
		if !slices.ContainsFunc(r.f.shards, func(o target.Shard) bool { return o.Name == s.Name }) {
			r.added = append(r.added, s)
		}
	}
	if len(r.added) != 1 {
		return
	}
	s := r.added[0]
	r.regWrong = awaitRegisteredAs(ctx, t, s.Brokers, func(b target.Broker) int64 { return int64(b.Ordinal) }, reregisterBound)
	want := map[string]string{}
	for _, b := range s.Brokers {
		want[b.Pod] = "slave"
		if b.Ordinal == 0 {
			want[b.Pod] = "master"
		}
	}
	r.lacks, r.labels = awaitLabelled(ctx, t, want)
	name := uniqueName("conformance-shardscale-new")
	ns := namesrvAddrs(ctx, t)
	err := topic.Create(ctx, adminOf(t), r.added, name, 1)
	if err == nil {
		_, err = topic.AwaitRoute(ctx, adminOf(t), ns, name, r.added, 1, 15*time.Second)
	}
	if err != nil {
		r.serves = []probeResult{{shard: s.Name, pod: s.Master().Pod, err: fmt.Errorf("create topic %s on it: %w", name, err)}}
		return
	}
	r.serves = sendThrough(ctx, t, ns[0], name, r.added)
}

// probeRoute reads topic's route from a namesrv and sends to every shard
// it lists.
func probeRoute(ctx context.Context, t *T, name string) routeProbe {
	ns := namesrvAddrs(ctx, t)
	route, err := adminOf(t).TopicRoute(ctx, ns[0], name)
	if err != nil {
		return routeProbe{err: err}
	}
	var rp routeProbe
	var shards []target.Shard
	live := liveShards(ctx, t)
	for _, q := range route.QueueDatas {
		rp.routed = append(rp.routed, q.BrokerName)
		i := slices.IndexFunc(live, func(s target.Shard) bool { return s.Name == q.BrokerName })
		if i < 0 {
			rp.sends = append(rp.sends, probeResult{shard: q.BrokerName, err: fmt.Errorf("routed to %s, which the target does not list", q.BrokerName)})
			continue
		}
		shards = append(shards, live[i])
	}
	slices.Sort(rp.routed)
	rp.sends = append(rp.sends, sendThrough(ctx, t, ns[0], name, shards)...)
	return rp
}
