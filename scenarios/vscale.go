package scenarios

import (
	"context"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/vertical-scale.
var (
	vsSucceeded = verdict.Clause{ID: "succeeded", Text: "each VerticalScaling (the brokers' memory limit raised, then restored) ends Succeed within its bound"}
	vsOnce      = verdict.Clause{ID: "once-each", Text: "every broker pod restarts exactly once per step"}
	vsOrder     = verdict.Clause{ID: "order", Text: "rolled one pod at a time: within a shard the slaves before the master, each Ready before the next starts"}
	vsResources = verdict.Clause{ID: "resources", Text: "every broker pod runs with the memory limit of the step"}
	vsHeap      = verdict.Clause{ID: "heap", Text: "every broker's running JVM has the heap the addon derives from that limit: -Xms = -Xmx = max(min(limit/2, 1 GiB), min(limit/4, 8 GiB))"}
	vsIdentity  = verdict.Clause{ID: "identity", Text: "every broker comes back with its brokerName, brokerId and role"}
	vsWrites    = verdict.Clause{ID: "writes-window", Text: "sends fail only on a shard whose master is restarting, until one route refresh after it is Ready"}
)

// vscaleLimit is the brokers' memory limit the case raises them to: above
// 4 GiB the addon's heap grows past its 1 GiB cap (6 GiB: 1536 MiB).
const vscaleLimit = "6Gi"

// vscaleCase is operations/vertical-scale; operations.go registers it.
var vscaleCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "vertical-scale",
	Promise: "Under continuous load, a vertical scaling of the brokers' memory limit to " + vscaleLimit + " and back, asked of the platform (KubeBlocks: a VerticalScaling OpsRequest), succeeds within its bound each time; " +
		"the brokers roll one pod at a time in KubeBlocks' order, each restarting once; every broker pod runs with the new limit and its running JVM with the heap the addon derives from it; " +
		"every broker comes back with its identity; sends fail only on a shard whose master is restarting, and no acknowledged message is lost or duplicated.",
	Description: "The heap is read from the running JVM's command line (kube: through exec in the broker container), not from the spec: the addon's setup script computes it from the cgroup memory limit at start (util.sh). " +
		"The local target restarts each broker in KubeBlocks' order with the heap the new limit gives.",
	Clauses:     []verdict.Clause{clauseBrokers, vsSucceeded, vsOnce, vsOrder, vsResources, vsHeap, vsIdentity, vsWrites, clauseNotLost, clauseNotTwice},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Operations},
	MinReplicas: 2,
	NotIn:       Mode{DLedger: true},
	NotInWhy:    "in DLedger mode the master is elected, not given by the ordinal: rolling the pods hands leadership over, which failover/kill-master and failover/leader-churn judge",
	Slow:        true,
	Timeout:     16 * time.Minute,
	Recreations: 4,
}, Run: vscale, Shares: vscaleOfBrokers}

// vscaleOfBrokers is the raising and restoring of the brokers' memory
// limit, performed once and judged from its record.
var vscaleOfBrokers = sharedFault[*vscaleRun]{name: "vertical scaling of the brokers", perform: runVscale}

// vscaleRun is the record of one vertical scaling and its undoing.
type vscaleRun struct {
	f      *faultRun
	steps  []vscaleStep
	bound  time.Duration
	before []target.Shard
}

// vscaleStep is one VerticalScaling and what the brokers ran with after.
type vscaleStep struct {
	limit      string
	op         target.Operation
	runs       map[string]target.PodRun // pod -> what it ran with after
	errs       map[string]error
	identities map[string]map[string]string
	returned   []target.Shard
}

func vscale(ctx context.Context, t *T) {
	r := vscaleOfBrokers.of(ctx, t)
	h := r.f.judged(t)
	windows := map[string][]history.Window{}
	for _, st := range r.steps {
		op := judgedOperation(t, st.op)
		judgeOperation(t, "scaling to "+st.limit, op, r.bound, r.before, 0)
		if why := shardsMismatch(st.returned, t.Target.Topology()); why != "" {
			t.Errorf(clauseBrokers, "after the vertical scaling to %s: %s", st.limit, why)
		}
		judgeRuns(t, st)
		judgeIdentities(t, vsIdentity, st.returned, st.identities)
		for _, s := range r.before {
			windows[s.Name] = append(windows[s.Name], masterRestartWindow(op, s))
		}
	}
	r.f.failedOutsideAny(t, vsWrites, h, windows, "the restart of the shard's master (until one route refresh after it was Ready)")
	r.f.judgeFinal(t, h)
}

// runVscale raises the brokers' memory limit and restores it under load.
func runVscale(ctx context.Context, t *T) *vscaleRun {
	f := startFaultRun(ctx, t, "conformance-vscale")
	r := &vscaleRun{f: f, before: f.shards}
	op := t.Target.Abilities().Operator
	first := f.shards[0].Master().Pod
	run, err := op.Inspect(ctx, first)
	if err != nil || run.Resources.MemoryLimit == "" {
		t.Erroredf("not judged: read the memory limit of %s: %v (%q)", first, err, run.Resources.MemoryLimit)
	}
	for _, s := range f.shards {
		r.bound = max(r.bound, time.Duration(len(s.Brokers))*(podRestartBound+t.session.recreation))
	}
	// Every resource is given with the memory limit: KubeBlocks replaces
	// the component's resources with the ones asked for.
	up := run.Resources
	up.MemoryLimit = vscaleLimit
	for _, res := range []target.Resources{up, run.Resources} {
		limit := res.MemoryLimit
		o := f.operate(ctx, t, "vertical scaling of the brokers' memory limit to "+limit, r.bound, func(ctx context.Context) (target.Operation, error) {
			return op.VerticalScale(ctx, target.ComponentBroker, res)
		})
		r.steps = append(r.steps, inspectStep(ctx, t, limit, o))
		if o.Phase != target.OpSucceeded {
			break // the undoing of a scaling that did not end is not asked
		}
	}
	f.stop(ctx, t)
	return r
}

// inspectStep records what every broker runs with after a step.
func inspectStep(ctx context.Context, t *T, limit string, o target.Operation) vscaleStep {
	st := vscaleStep{limit: limit, op: o, runs: map[string]target.PodRun{}, errs: map[string]error{}, identities: map[string]map[string]string{}}
	awaitEveryRegistered(ctx, t, reregisterBound)
	st.returned = awaitShards(ctx, t)
	for _, b := range allBrokers(st.returned) {
		run, err := t.Target.Abilities().Operator.Inspect(ctx, b.Pod)
		st.runs[b.Pod], st.errs[b.Pod] = run, err
		if cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr); err == nil {
			st.identities[b.Pod] = cfg
		}
	}
	return st
}

// judgeRuns checks every broker ran with the step's limit and the heap
// the addon derives from it.
func judgeRuns(t *T, st vscaleStep) {
	want := addonHeapMiB(st.limit)
	for _, b := range allBrokers(st.returned) {
		run, err := st.runs[b.Pod], st.errs[b.Pod]
		if t.plants.podRun != nil {
			t.plants.podRun(b.Pod, &run)
		}
		if err != nil {
			t.Errorf(vsHeap, "after the scaling to %s, read what %s runs with: %v", st.limit, b.Pod, err)
			continue
		}
		if !sameQuantity(run.MemoryLimit, st.limit) {
			t.Errorf(vsResources, "%s runs with a %s memory limit after the scaling to %s", b.Pod, orNone([]string{run.MemoryLimit}), st.limit)
		}
		xms, xmx := mib(run.Flag("-Xms")), mib(run.Flag("-Xmx"))
		if xms != want || xmx != want {
			t.Errorf(vsHeap, "%s runs its JVM with %s after the scaling to %s; the addon derives -Xms = -Xmx = %dM", b.Pod, orNone(run.JVMFlags), st.limit, want)
			continue
		}
		t.Logf("%s: memory limit %s, JVM %s", b.Pod, run.MemoryLimit, strings.Join(run.JVMFlags, " "))
	}
}

// addonHeapMiB is the heap the addon's util.sh gives a memory limit, in
// MiB: max(min(limit/2, 1024), min(limit/4, 8192)).
func addonHeapMiB(limit string) int64 {
	q, err := resource.ParseQuantity(limit)
	if err != nil {
		return -1
	}
	ram := q.Value() >> 20
	return max(min(ram/2, 1024), min(ram/4, 8192))
}

// mib reads a JVM size ("1536M", "1536m", "2g", "1048576k") in MiB, or -1.
func mib(v string) int64 {
	if v == "" {
		return -1
	}
	unit := map[byte]float64{'k': 1.0 / 1024, 'K': 1.0 / 1024, 'm': 1, 'M': 1, 'g': 1024, 'G': 1024}
	n, err := strconv.ParseInt(strings.TrimRight(v, "kKmMgG"), 10, 64)
	if err != nil {
		return -1
	}
	f, ok := unit[v[len(v)-1]]
	if !ok {
		return n >> 20
	}
	return int64(float64(n) * f)
}

// sameQuantity reports whether two Kubernetes quantities are equal.
func sameQuantity(a, b string) bool {
	qa, errA := resource.ParseQuantity(a)
	qb, errB := resource.ParseQuantity(b)
	return errA == nil && errB == nil && qa.Cmp(qb) == 0
}
