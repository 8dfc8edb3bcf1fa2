package scenarios

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/stop-start.
var (
	ssStopped    = verdict.Clause{ID: "stopped", Text: "the Stop ends Succeed within its bound, with no pod of the cluster left"}
	ssStores     = verdict.Clause{ID: "stores-kept", Text: "every broker's store outlives the Stop: the same stores, one per broker, while stopped and after the Start"}
	ssStarted    = verdict.Clause{ID: "started", Text: "the Start ends Succeed within its bound"}
	ssIdentity   = verdict.Clause{ID: "identity", Text: "every broker comes back with its brokerName, brokerId and role"}
	ssRegistered = verdict.Clause{ID: "registered", Text: "every broker is registered in every namesrv within one registration period of the Start"}
	ssWrites     = verdict.Clause{ID: "writes-window", Text: "sends fail only from the Stop until one route refresh after every broker is registered again"}
)

// stopStartCase is operations/stop-start; operations.go registers it.
var stopStartCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "stop-start",
	Promise: "Under continuous load, a Stop of the whole cluster, asked of the platform (KubeBlocks: a Stop OpsRequest), succeeds within its bound and leaves no pod, but every broker's store; " +
		"a Start then succeeds within its bound; every broker comes back with its identity and role, registered in every namesrv within one registration period; the role labels settle; " +
		"sends fail only from the Stop until one route refresh after the brokers are registered again, and every message acknowledged before the Stop is read back from its shard, none twice.",
	Description: "KubeBlocks 1.0.2 stops a Cluster by scaling every component to zero in its update order (the namesrvs, then every broker shard), keeping the PVCs, and starts it in the same order. " +
		"The local target holds each process down and kills it, keeps its data directory, and starts them again in that order.",
	Clauses:     []verdict.Clause{clauseBrokers, ssStopped, ssStores, ssStarted, ssIdentity, ssRegistered, clauseLabelsSettle, ssWrites, clauseNotLost, clauseNotTwice},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Operations},
	NotIn:       Mode{DLedger: true},
	NotInWhy:    "in DLedger mode a Start elects each group's leader anew: which broker comes back master is not given by its ordinal, and the identity clause reads the role from it",
	Slow:        true,
	Timeout:     10 * time.Minute,
	Recreations: 2,
}, Run: stopStart, Shares: stopStartOfAll}

// stopStartOfAll is the stop and start of the cluster, performed once and
// judged from its record.
var stopStartOfAll = sharedFault[*stopStartRun]{name: "stop and start of the cluster", perform: runStopStart}

// stopStartRun is the record of one stop and start under load.
type stopStartRun struct {
	f           *faultRun
	stop, start target.Operation
	bound       time.Duration // each operation's
	returned    []target.Shard
	identities  map[string]map[string]string // pod -> config after the start
	labels      map[string]labelCheck
	rereg       reregistration
}

// stopStartBound is what a Stop or a Start may take: every pod's grace
// period or start (they go in parallel within a component, the
// components one after another), and the session's recreation allowance.
func stopStartBound(t *T) time.Duration { return 2 * (podRestartBound + t.session.recreation) }

func stopStart(ctx context.Context, t *T) {
	r := stopStartOfAll.of(ctx, t)
	h := r.f.judged(t)
	stop, start := judgedOperation(t, r.stop), judgedOperation(t, r.start)
	judgeStopStartOp(t, ssStopped, stop, r.bound)
	if len(stop.Remaining) > 0 {
		t.Errorf(ssStopped, "pods left after the Stop ended: %s", strings.Join(stop.Remaining, ", "))
	}
	judgeStores(t, r.f.shards, stop, start)
	judgeStopStartOp(t, ssStarted, start, r.bound)
	if why := shardsMismatch(r.returned, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "after the Start: %s", why)
	}
	judgeIdentities(t, ssIdentity, r.returned, r.identities)
	judgeReregistered(t, ssRegistered, r.rereg, start.End, "the Start")
	for _, s := range r.f.shards {
		judgeLabels(t, clauseLabelsSettle, r.labels[s.Name], s.Name, "the Start")
	}
	w := history.Window{Start: stop.Start, End: r.rereg.at.Add(routeRefresh + boundSlack)}
	windows := map[string]history.Window{}
	for _, s := range r.f.shards {
		windows[s.Name] = w
	}
	r.f.failedOutside(t, ssWrites, h, windows, "the Stop and Start (until one route refresh after every broker was registered again)")
	r.f.judgeFinal(t, h)
}

// runStopStart stops and starts the cluster through the target under
// load, and records what came back.
func runStopStart(ctx context.Context, t *T) *stopStartRun {
	f := startFaultRun(ctx, t, "conformance-stop-start")
	r := &stopStartRun{f: f, bound: stopStartBound(t), identities: map[string]map[string]string{}, labels: map[string]labelCheck{}}
	op := t.Target.Abilities().Operator
	for _, step := range []struct {
		name string
		do   func(context.Context) (target.Operation, error)
		into *target.Operation
	}{{"stop", op.Stop, &r.stop}, {"start", op.Start, &r.start}} {
		o := f.operate(ctx, t, step.name+" of the cluster", r.bound, step.do)
		*step.into = o
		if o.Phase != target.OpSucceeded {
			t.Erroredf("not judged further: the %s ended %s: %s", step.name, orNone([]string{o.Phase}), orNone(o.Evidence))
		}
	}
	r.rereg = awaitEveryRegistered(ctx, t, reregisterBound)
	for _, s := range f.shards {
		r.labels[s.Name] = awaitLabels(ctx, t, s.Name)
	}
	r.returned = awaitShards(ctx, t)
	for _, b := range allBrokers(r.returned) {
		if cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr); err == nil {
			r.identities[b.Pod] = cfg
		} else {
			t.Logf("read the config of %s after the Start: %v", b.Pod, err)
		}
	}
	f.stop(ctx, t)
	return r
}

// judgeStopStartOp judges, under c, that op succeeded within bound.
func judgeStopStartOp(t *T, c verdict.Clause, op target.Operation, bound time.Duration) {
	t.Logf("%s: phase %s after %s; incarnations: %s", op.Name, orNone([]string{op.Phase}), op.End.Sub(op.Start).Round(time.Millisecond), incarnationsText(op))
	t.Figure(c.ID, float64(op.End.Sub(op.Start).Milliseconds()), "ms")
	switch {
	case op.Phase == target.OpSucceeded:
	case target.OpEnded(op.Phase):
		t.Errorf(c, "%s ended %s: %s", op.Name, op.Phase, orNone(op.Evidence))
	default:
		judgeLate(t, c, history.Window{Start: op.Start, End: op.End}, op.Pods,
			"%s did not succeed within %s: phase %s; %s", op.Name, bound, orNone([]string{op.Phase}), orNone(op.Evidence))
	}
}

// judgeStores checks the brokers' stores outlived the Stop: as many as
// brokers while stopped, and the same ones after the Start.
func judgeStores(t *T, shards []target.Shard, stop, start target.Operation) {
	n := len(allBrokers(shards))
	if len(stop.Stores) != n {
		t.Errorf(ssStores, "while stopped, %d stores (%s); the topology has %d brokers", len(stop.Stores), storesText(stop.Stores), n)
	}
	if !maps.Equal(stop.Stores, start.Stores) {
		t.Errorf(ssStores, "the stores changed across the Start: while stopped %s; after %s", storesText(stop.Stores), storesText(start.Stores))
		return
	}
	t.Logf("stores kept: %s", storesText(stop.Stores))
}

func storesText(stores map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(stores)) {
		out = append(out, k+" "+stores[k])
	}
	return orNone(out)
}

// judgeIdentities checks every broker of returned came back as who it
// was, from its config as recorded.
func judgeIdentities(t *T, c verdict.Clause, returned []target.Shard, identities map[string]map[string]string) {
	for _, s := range returned {
		for _, b := range s.Brokers {
			cfg, ok := identities[b.Pod]
			if !ok {
				t.Errorf(c, "%s did not serve its config after the operation", b.Pod)
				continue
			}
			role := "SLAVE"
			if b.Pod == s.Master().Pod {
				role = "ASYNC_MASTER"
			}
			checkIdentity(t, c, cfg, b, role, brokerID(t, s, b))
		}
	}
}
