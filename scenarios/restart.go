package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/restart.
var (
	rsSucceeded  = verdict.Clause{ID: "succeeded", Text: "each restart (the brokers, then the namesrvs) ends Succeed within its bound"}
	rsOnce       = verdict.Clause{ID: "once-each", Text: "every pod of the component restarts exactly once"}
	rsOrder      = verdict.Clause{ID: "order", Text: "within a shard the slaves restart before the master, the namesrvs from the highest ordinal down, each pod Ready before the next starts"}
	rsIdentity   = verdict.Clause{ID: "identity", Text: "every broker comes back with its brokerName, brokerId and role"}
	rsRegistered = verdict.Clause{ID: "registered", Text: "every broker is registered in every namesrv again within one registration period of the namesrvs' restart"}
	rsWrites     = verdict.Clause{ID: "writes-window", Text: "sends fail only on a shard whose master is restarting, until one route refresh after it is Ready, " +
		"or from the namesrvs' restart until one route refresh after every namesrv lists every broker again"}
)

// restartCase is operations/restart; operations.go registers it.
var restartCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "restart",
	Promise: "Under continuous load, a restart of the brokers and then of the namesrvs, asked of the platform (KubeBlocks: a Restart OpsRequest), succeeds within its bound; every pod restarts exactly once, " +
		"in the order KubeBlocks 1.0.2 takes the addon's roles (within a shard the slaves, then the master; the shards at once; the namesrvs from the highest ordinal down; each pod Ready before the next); " +
		"every broker comes back with its identity, registered in every namesrv within one registration period after the namesrvs'; the role labels settle; " +
		"sends fail only on a shard whose master is restarting, or while a restarted namesrv serves partial routes, and no acknowledged message is lost or duplicated.",
	Description: "KubeBlocks restarts a pod by deleting it (a graceful stop) and recreating it on its PVC; the local target stops and starts each process the same way, in the same order. " +
		"In DLedger mode the master is elected, not given by the ordinal: restarting it hands leadership over, which failover/kill-master and failover/leader-churn judge. " +
		"A restarted namesrv lists only the brokers that registered with it since (each every 30 s); a client that asks it for a route meanwhile holds a partial one until its next refresh, " +
		"as failover/namesrv-restart describes, so sends on any shard may fail from the namesrvs' restart until one route refresh after every namesrv lists every broker again: counted (failed_after_namesrvs_restart), not judged.",
	Clauses:     []verdict.Clause{clauseBrokers, rsSucceeded, rsOnce, rsOrder, rsIdentity, rsRegistered, clauseLabelsSettle, rsWrites, clauseNotLost, clauseNotTwice},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Operations},
	MinReplicas: 2,
	NotIn:       Mode{DLedger: true},
	NotInWhy:    "in DLedger mode the master is elected, not given by the ordinal: a restart hands leadership over, which failover/kill-master and failover/leader-churn judge",
	Slow:        true,
	Timeout:     8 * time.Minute,
	// The brokers of a shard restart one after another, then the
	// namesrvs: each is a recreation the case waits for.
	Recreations: 4,
}, Run: restart, Shares: restartOfAll}

// restartOfAll is the restart of the brokers and the namesrvs, performed
// once and judged from its record (the tests judge it again per plant).
var restartOfAll = sharedFault[*restartRun]{name: "restart of the brokers and the namesrvs", perform: runRestart}

// restartRun is the record of one restart of the brokers and the
// namesrvs under load.
type restartRun struct {
	f          *faultRun
	before     []target.Shard
	ops        []target.Operation // the brokers', then the namesrvs'
	bounds     []time.Duration    // each operation's bound
	returned   []target.Shard
	identities map[string]map[string]string // pod -> config after the restart
	labels     map[string]labelCheck        // shard -> its labels after the restart
	rereg      reregistration               // after the namesrvs' restart
	namesrvs   int                          // how many namesrvs there were when the restart began
}

// podRestartBound is what one pod's restart may take on the local
// target: the pod's grace period (30 s: the addon's JVM does not stop on
// SIGTERM), the recreate delay, a JVM start and its registration, and
// minReadySeconds (10 s) before the next; the session's recreation
// allowance comes on top on kube.
const podRestartBound = 90 * time.Second

func restart(ctx context.Context, t *T) {
	r := restartOfAll.of(ctx, t)
	h := r.f.judged(t)
	for i, op := range r.ops {
		judgeOperation(t, "restart", judgedOperation(t, op), r.bounds[i], r.before, r.namesrvs)
	}
	judgeReturned(t, r)
	judgeReregistered(t, rsRegistered, r.rereg, r.ops[len(r.ops)-1].End, "the namesrvs' restart")
	ns := r.namesrvWindow()
	for _, w := range ns {
		t.Figure("failed_after_namesrvs_restart", float64(countIn(h.Failures(), w)), "")
	}
	windows := map[string][]history.Window{}
	for _, s := range r.before {
		windows[s.Name] = append(slices.Clone(ns), masterRestartWindow(judgedOperation(t, r.ops[0]), s))
		judgeLabels(t, clauseLabelsSettle, r.labels[s.Name], s.Name, "the restart")
	}
	r.f.failedOutsideAny(t, rsWrites, h, windows, "the restart of the shard's master (until one route refresh after it was Ready) "+
		"and the namesrvs' (until one route refresh after every namesrv listed every broker again)")
	r.f.judgeFinal(t, h)
}

// namesrvWindow is when the namesrvs' restart may fail sends on any
// shard: a namesrv that came back lists only the brokers that registered
// with it since (each every 30 s), and a client that asked it for a route
// then holds the partial route until its next refresh. It is empty when
// the namesrvs were not restarted.
func (r *restartRun) namesrvWindow() []history.Window {
	if len(r.ops) < 2 {
		return nil
	}
	return []history.Window{{Start: r.ops[1].Start, End: r.rereg.at.Add(routeRefresh + boundSlack)}}
}

// runRestart restarts the brokers and then the namesrvs through the
// target under load, and records what came back.
func runRestart(ctx context.Context, t *T) *restartRun {
	f := startFaultRun(ctx, t, "conformance-restart")
	r := &restartRun{f: f, before: f.shards, identities: map[string]map[string]string{}, labels: map[string]labelCheck{}, namesrvs: len(namesrvAddrs(ctx, t))}
	op := t.Target.Abilities().Operator
	for _, c := range []string{target.ComponentBroker, target.ComponentNamesrv} {
		bound := r.bound(ctx, t, c)
		o := f.operate(ctx, t, "restart of the "+c, bound, func(ctx context.Context) (target.Operation, error) { return op.Restart(ctx, c) })
		r.ops, r.bounds = append(r.ops, o), append(r.bounds, bound)
		if c == target.ComponentBroker {
			for _, s := range r.before {
				r.labels[s.Name] = awaitLabels(ctx, t, s.Name)
			}
		}
		if o.Phase != target.OpSucceeded {
			break // the namesrvs are not restarted beside brokers that are not back
		}
	}
	r.rereg = awaitEveryRegistered(ctx, t, reregisterBound)
	r.returned = awaitShards(ctx, t)
	for _, s := range r.returned {
		for _, b := range s.Brokers {
			if cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr); err == nil {
				r.identities[b.Pod] = cfg
			} else {
				t.Logf("read the config of %s after the restart: %v", b.Pod, err)
			}
		}
	}
	f.stop(ctx, t)
	return r
}

// bound is how long the restart of component c may take: one pod after
// another (the brokers of a shard, or the namesrvs), each worth a local
// restart and the session's recreation allowance.
func (r *restartRun) bound(ctx context.Context, t *T, c string) time.Duration {
	n := 0
	if c == target.ComponentNamesrv {
		n = len(namesrvAddrs(ctx, t))
	}
	for _, s := range r.before {
		n = max(n, len(s.Brokers))
	}
	return time.Duration(n) * (podRestartBound + t.session.recreation)
}

// reregistration is how the namesrvs listed the brokers after an
// operation that restarted them: which they still did not list when the
// wait ended, and when it did.
type reregistration struct {
	// missing says, per namesrv, the brokers it did not list again.
	missing []string
	late    []string // the pods of the brokers some namesrv did not list
	at      time.Time
	bound   time.Duration // how long it was awaited
}

// awaitEveryRegistered waits, within one registration period (plus slack),
// until every namesrv lists every broker, and records which did not.
func awaitEveryRegistered(ctx context.Context, t *T, bound time.Duration) reregistration {
	return awaitRegisteredIn(ctx, t, bound, t.Target.Topology().Namesrvs)
}

// awaitRegisteredIn is awaitEveryRegistered with namesrvs namesrvs.
func awaitRegisteredIn(ctx context.Context, t *T, bound time.Duration, namesrvs int) reregistration {
	wctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	rc := adminOf(t)
	var missing, late []string
	wait.Until(wctx, 200*time.Millisecond, "every broker to register again in every namesrv", func(ctx context.Context) (bool, string, error) {
		missing, late = nil, nil
		shards := awaitShards(ctx, t)
		for _, ns := range namesrvAddrsOf(ctx, t, namesrvs) {
			ci, err := rc.ClusterInfo(ctx, ns)
			if err != nil {
				missing = append(missing, fmt.Sprintf("namesrv %s: %v", ns, err))
				continue
			}
			if gap := registrationGap(ci, shards); gap != "" {
				missing = append(missing, "namesrv "+ns+": "+gap)
			}
			for _, b := range unlisted(ci, shards) {
				late = append(late, b.Pod)
			}
		}
		return len(missing) == 0, strings.Join(missing, "; "), nil
	})
	return reregistration{missing: missing, late: late, at: time.Now(), bound: bound}
}

// reregisterBound is how long after an operation every broker may take
// to be listed by every namesrv again: one registration period, and slack.
const reregisterBound = addonRegisterPeriod + boundSlack + 10*time.Second

// judgeOperation judges one rolling operation (what: "restart",
// "vertical scaling"): it succeeded in its bound, every pod of the
// component restarted once, in KubeBlocks' order.
func judgeOperation(t *T, what string, op target.Operation, bound time.Duration, before []target.Shard, namesrvs int) {
	t.Logf("%s: phase %s after %s; incarnations: %s", op.Name, orNone([]string{op.Phase}), op.End.Sub(op.Start).Round(time.Millisecond), incarnationsText(op))
	t.Figure(strings.ReplaceAll(what, " ", "_")+"_"+op.Component, float64(op.End.Sub(op.Start).Milliseconds()), "ms")
	switch {
	case op.Phase == target.OpSucceeded:
	case target.OpEnded(op.Phase):
		t.Errorf(rsSucceeded, "the %s of the %s ended %s: %s", what, op.Component, op.Phase, orNone(op.Evidence))
	default: // still under way when its bound ran out: a timing clause
		judgeLate(t, rsSucceeded, history.Window{Start: op.Start, End: op.End}, op.Pods,
			"the %s of the %s did not succeed within %s: phase %s; %s", what, op.Component, bound, orNone([]string{op.Phase}), orNone(op.Evidence))
	}
	count := map[string]int{}
	for _, inc := range op.Incarnations {
		count[inc.Pod]++
	}
	// The pods it was to restart are the topology's, all of them: a
	// restart that names fewer would pass the count below on too few.
	want := namesrvs
	if op.Component == target.ComponentBroker {
		want = len(brokerProcesses(before))
	}
	if len(op.Pods) != want {
		t.Errorf(rsOnce, "the %s of the %s names %d pods (%s); the topology has %d", what, op.Component, len(op.Pods), strings.Join(op.Pods, ", "), want)
	}
	for _, p := range op.Pods {
		if count[p] != 1 {
			t.Errorf(rsOnce, "%s started %d times during the %s of the %s, expected once", p, count[p], what, op.Component)
		}
	}
	for _, g := range restartGroups(op, before) {
		judgeOrder(t, op, g)
	}
}

// restartGroups is the pods of op in the order KubeBlocks restarts them,
// one group per chain: each shard's slaves (highest ordinal first), then
// its master; the namesrvs from the highest ordinal down.
func restartGroups(op target.Operation, before []target.Shard) [][]string {
	if op.Component == target.ComponentNamesrv {
		g := slices.Clone(op.Pods)
		slices.SortFunc(g, func(a, b string) int { return podOrdinal(b) - podOrdinal(a) })
		return [][]string{g}
	}
	var out [][]string
	for _, s := range before {
		var g []string
		slaves := slices.Clone(s.Slaves())
		slices.SortFunc(slaves, func(a, b target.Broker) int { return b.Ordinal - a.Ordinal })
		for _, b := range append(slaves, s.Master()) {
			g = append(g, b.Pod)
		}
		out = append(out, g)
	}
	return out
}

// judgeOrder checks that the pods of group started in its order, each
// after the previous one was Ready.
func judgeOrder(t *T, op target.Operation, group []string) {
	var prev *target.Incarnation
	for _, pod := range group {
		i := slices.IndexFunc(op.Incarnations, func(inc target.Incarnation) bool { return inc.Pod == pod })
		if i < 0 {
			return // once-each names it
		}
		inc := op.Incarnations[i]
		if prev != nil && (prev.Ready.IsZero() || inc.Started.Before(prev.Ready)) {
			t.Errorf(rsOrder, "%s started at %s, before %s was Ready (%s): expected the order %s", pod, stamp(inc.Started), prev.Pod, stampOr(prev.Ready, "never"), strings.Join(group, ", "))
		}
		prev = &inc
	}
}

// judgeReturned checks every broker came back as who it was.
func judgeReturned(t *T, r *restartRun) {
	if why := shardsMismatch(r.returned, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "after the restart: %s", why)
	}
	judgeIdentities(t, rsIdentity, r.returned, r.identities)
}

// judgeReregistered judges, under c, the registrations recorded after
// an operation that ended at end.
func judgeReregistered(t *T, c verdict.Clause, rr reregistration, end time.Time, after string) {
	missing := rr.missing
	if t.plants.registered != nil {
		missing = t.plants.registered(slices.Clone(missing))
	}
	if len(missing) == 0 {
		t.Logf("every namesrv lists every broker again, %s after %s", rr.at.Sub(end).Round(time.Millisecond), after)
		return
	}
	// The timing judged is the late brokers' own: their registration
	// timer.
	judgeLate(t, c, history.Window{Start: end, End: rr.at}, rr.late,
		"within %s after %s: %s", rr.bound, after, strings.Join(missing, "; "))
}

// masterRestartWindow is when sends to shard s may fail during the
// brokers' restart: from when its master's turn came (the last of its
// slaves Ready before the master started, or the operation's start) until
// one route refresh after the master was Ready again (the operation's end
// when it never was).
func masterRestartWindow(op target.Operation, s target.Shard) history.Window {
	w := history.Window{Start: op.Start, End: op.End}
	m := slices.IndexFunc(op.Incarnations, func(inc target.Incarnation) bool { return inc.Pod == s.Master().Pod })
	if m < 0 {
		return w
	}
	master := op.Incarnations[m]
	for _, inc := range op.Incarnations {
		slave := inc.Pod != master.Pod && slices.ContainsFunc(s.Brokers, func(b target.Broker) bool { return b.Pod == inc.Pod })
		if slave && !inc.Ready.IsZero() && inc.Ready.Before(master.Started) && inc.Ready.After(w.Start) {
			w.Start = inc.Ready
		}
	}
	if !master.Ready.IsZero() {
		w.End = master.Ready.Add(routeRefresh + boundSlack)
	}
	return w
}

// judgedOperation is a recorded operation as case t judges it: a copy,
// through the tests' operation plant.
func judgedOperation(t *T, op target.Operation) target.Operation {
	op.Incarnations = slices.Clone(op.Incarnations)
	op.Pods = slices.Clone(op.Pods)
	op.Remaining, op.Stores = slices.Clone(op.Remaining), maps.Clone(op.Stores)
	op.Members, op.Shards = maps.Clone(op.Members), slices.Clone(op.Shards)
	op.Capacities, op.StoresBefore = maps.Clone(op.Capacities), maps.Clone(op.StoresBefore)
	if t.plants.operation != nil {
		t.plants.operation(&op)
	}
	return op
}

func incarnationsText(op target.Operation) string {
	var out []string
	for _, inc := range op.Incarnations {
		out = append(out, fmt.Sprintf("%s started %s, Ready %s", inc.Pod, stamp(inc.Started), stampOr(inc.Ready, "never")))
	}
	return orNone(out)
}

func stamp(at time.Time) string { return at.Format("15:04:05.000") }

func stampOr(at time.Time, zero string) string {
	if at.IsZero() {
		return zero
	}
	return stamp(at)
}

// podOrdinal is the ordinal a pod's name ends with ({cluster}-namesrv-N),
// or -1.
func podOrdinal(pod string) int {
	n, err := strconv.Atoi(pod[strings.LastIndexByte(pod, '-')+1:])
	if err != nil {
		return -1
	}
	return n
}
