package scenarios

import (
	"context"
	"slices"
	"time"

	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/scenarios/replica"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/replica-scale.
var (
	rpSucceeded = verdict.Clause{ID: "succeeded", Text: "the scale-out of the brokers' replicas by one, and the scale-in back, each end Succeed within their bound"}
	rpNewSlave  = verdict.Clause{ID: "new-slave", Text: "the scale-out adds one broker to every shard at the next ordinal, registered in every namesrv under brokerId equal to that ordinal within one registration period"}
	rpLabelled  = verdict.Clause{ID: "labelled", Text: "where a platform labels roles, every added broker is labelled slave"}
	rpCatchUp   = verdict.Clause{ID: "catch-up", Text: "every added slave's commit log reaches its master's within " + newSlaveCatchUp.String() + " of its registration"}
	rpRemoved   = verdict.Clause{ID: "removed", Text: "the scale-in removes exactly the added brokers, and no namesrv lists them within the broker expiry (120 s)"}
	rpWrites    = verdict.Clause{ID: "writes", Text: "no send of the steady load fails across the scalings"}
)

// newSlaveCatchUp is how long an added slave may take to copy its
// master's whole commit log: the suite's messages, tens of MB, over
// loopback or a pod network.
const newSlaveCatchUp = time.Minute

// replicaScaleCase is operations/replica-scale; operations.go registers it.
var replicaScaleCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "replica-scale",
	Promise: "Under continuous load, a scale-out of the brokers' replicas by one, asked of the platform (KubeBlocks: a HorizontalScaling OpsRequest on the broker sharding), succeeds within its bound; " +
		"every shard gets a new slave at the next ordinal, registered under that brokerId in every namesrv and labelled slave, whose commit log catches up with its master's; " +
		"a scale-in by one then removes exactly those slaves; no send fails, and no acknowledged message is lost or duplicated.",
	Description: "KubeBlocks 1.0.2 scales the sharding's template, so every shard at once; the addon's broker-setup.sh makes a pod's ordinal its brokerId and any ordinal but 0 a SLAVE. " +
		"The local target starts and stops a broker per shard the same way.",
	Clauses:  []verdict.Clause{clauseBrokers, rpSucceeded, rpNewSlave, rpLabelled, rpCatchUp, rpRemoved, rpWrites, clauseNotLost, clauseNotTwice},
	Needs:    []verdict.Capability{verdict.Messaging, verdict.Operations},
	NotIn:    Mode{DLedger: true},
	NotInWhy: "a DLedger group's peers are fixed when it first boots (the addon writes dLegerPeers from the replicas then); a replica added later joins no group",
	Slow:     true,
	Timeout:  16 * time.Minute,
}, Run: replicaScale, Shares: replicaScaleOfBrokers}

// replicaScaleOfBrokers is the scale-out and scale-in, performed once and
// judged from its record.
var replicaScaleOfBrokers = sharedFault[*replicaScaleRun]{name: "scale-out and scale-in of the broker replicas", perform: runReplicaScale}

// replicaScaleRun is the record of the two steps under load.
type replicaScaleRun struct {
	f        *faultRun
	bound    time.Duration
	out, in  target.Operation
	added    []target.Broker   // the brokers the scale-out added
	regWrong map[string]string // pod -> how its registration was wrong
	lacks    string            // why labels were not checked
	labels   []string          // the labels that were wrong
	caught   map[string]error  // pod -> its catch-up's outcome
	took     map[string]time.Duration
	listed   []string // the removed brokers some namesrv still listed
}

func replicaScale(ctx context.Context, t *T) {
	r := replicaScaleOfBrokers.of(ctx, t)
	h := r.f.judged(t)
	if why := shardsMismatch(r.f.shards, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "%s", why)
	}
	out := judgedOperation(t, r.out)
	judgeStopStartOp(t, rpSucceeded, out, r.bound)
	if out.Phase == target.OpSucceeded {
		judgeAdded(t, r)
		in := judgedOperation(t, r.in)
		judgeStopStartOp(t, rpSucceeded, in, r.bound)
		judgeRemoved(t, r, in)
	}
	r.f.failedOutside(t, rpWrites, h, nil, "nothing: adding or removing a slave must not disturb the sends")
	r.f.judgeFinal(t, h)
}

// judgeAdded judges the slaves the scale-out added.
func judgeAdded(t *T, r *replicaScaleRun) {
	if len(r.added) != len(r.f.shards) {
		t.Errorf(rpNewSlave, "the scale-out added %d brokers (%s) to %d shards; expected one per shard", len(r.added), podsText(r.added), len(r.f.shards))
	}
	wrong := judgedRegistrations(t, r.regWrong, r.added)
	for _, b := range r.added {
		if w := wrong[b.Pod]; w != "" {
			t.Errorf(rpNewSlave, "%s, within %s: %s", b.Pod, reregisterBound, w)
		} else {
			t.Logf("%s is registered in every namesrv under brokerId %d", b.Pod, b.Ordinal)
		}
		switch err := judgedProbe(t, "catch-up", probeResult{shard: b.Shard, pod: b.Pod, err: r.caught[b.Pod]}); {
		case err != nil:
			t.Errorf(rpCatchUp, "%s: %v", b.Pod, err)
		default:
			t.Logf("%s caught up with its master after %s", b.Pod, r.took[b.Pod].Round(time.Millisecond))
			t.Figure("catch_up_"+b.Shard, float64(r.took[b.Pod].Milliseconds()), "ms")
		}
	}
	switch {
	case r.lacks != "":
		t.Logf("role labels not checked: %s", r.lacks)
	case len(r.labels) > 0:
		for _, w := range r.labels {
			t.Errorf(rpLabelled, "within %s: %s", election.LabelSettle, w)
		}
	default:
		t.Logf("every added broker is labelled slave")
	}
}

// judgeRemoved judges what the scale-in in removed.
func judgeRemoved(t *T, r *replicaScaleRun, in target.Operation) {
	if in.Phase != target.OpSucceeded {
		return
	}
	var want []string
	for _, b := range r.added {
		want = append(want, b.Pod)
	}
	var gone []string
	for _, p := range in.Pods {
		if _, ok := in.Members[p]; !ok {
			gone = append(gone, p)
		}
	}
	slices.Sort(want)
	slices.Sort(gone)
	if !slices.Equal(gone, want) {
		t.Errorf(rpRemoved, "the scale-in removed %s; expected the added %s", orNone(gone), orNone(want))
	}
	for _, l := range r.listed {
		t.Errorf(rpRemoved, "%s, %s after the scale-in", l, expiryBound)
	}
}

// runReplicaScale adds a slave to every shard and removes it again under
// load.
func runReplicaScale(ctx context.Context, t *T) *replicaScaleRun {
	f := startFaultRun(ctx, t, "conformance-replicascale")
	r := &replicaScaleRun{f: f, bound: nsScaleBound(t), caught: map[string]error{}, took: map[string]time.Duration{}}
	op := t.Target.Abilities().Operator
	r.out = f.operate(ctx, t, "scale-out of the broker replicas by 1", r.bound, func(ctx context.Context) (target.Operation, error) {
		return op.HorizontalScale(ctx, target.ComponentBroker, 1)
	})
	if r.out.Phase == target.OpSucceeded {
		r.observeAdded(ctx, t)
		r.in = f.operate(ctx, t, "scale-in of the broker replicas by 1", r.bound, func(ctx context.Context) (target.Operation, error) {
			return op.HorizontalScale(ctx, target.ComponentBroker, -1)
		})
		gone := map[string]string{}
		for _, b := range r.added {
			if _, ok := r.in.Members[b.Pod]; !ok {
				gone[b.Pod] = b.Addr
			}
		}
		if r.in.Phase == target.OpSucceeded {
			r.listed = awaitUnlisted(ctx, t, gone)
		}
	}
	f.stopOn(ctx, t, liveShards(ctx, t))
	return r
}

// observeAdded finds the brokers the scale-out added, and waits for their
// registration, labels and catch-up.
func (r *replicaScaleRun) observeAdded(ctx context.Context, t *T) {
	shards := liveShards(ctx, t)
	for _, s := range shards {
		for _, b := range s.Brokers {
			if !slices.Contains(r.out.Pods, b.Pod) {
				r.added = append(r.added, b)
			}
		}
	}
	r.regWrong = awaitRegisteredAs(ctx, t, r.added, func(b target.Broker) int64 { return int64(b.Ordinal) }, reregisterBound)
	want := map[string]string{}
	for _, b := range r.added {
		want[b.Pod] = "slave"
	}
	r.lacks, r.labels = awaitLabelled(ctx, t, want)
	for _, b := range r.added {
		i := slices.IndexFunc(shards, func(s target.Shard) bool { return s.Name == b.Shard })
		r.took[b.Pod], r.caught[b.Pod] = replica.AwaitCaughtUp(ctx, adminOf(t), shards[i].Master(), b, newSlaveCatchUp)
	}
}

// podsText lists brokers' pods.
func podsText(brokers []target.Broker) string {
	var pods []string
	for _, b := range brokers {
		pods = append(pods, b.Pod)
	}
	return orNone(pods)
}
