package scenarios

import (
	"context"
	"maps"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/volume-expand.
var (
	veSucceeded = verdict.Clause{ID: "succeeded", Text: "the VolumeExpansion of the brokers' data volumes ends Succeed within its bound"}
	veCapacity  = verdict.Clause{ID: "capacity", Text: "every broker's data volume reports at least the size asked for"}
	veStores    = verdict.Clause{ID: "stores-kept", Text: "every broker keeps its store: the same volumes (PVC UIDs) before and after"}
	veWrites    = verdict.Clause{ID: "writes", Text: "no send of the steady load fails across the expansion"}
)

// volumeGrowth is how much the case grows each broker volume.
const volumeGrowth = "1Gi"

// volumeExpandCase is operations/volume-expand; operations.go registers it.
var volumeExpandCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "volume-expand",
	Promise: "Under continuous load, an expansion of every broker's data volume by " + volumeGrowth + ", asked of the platform (KubeBlocks: a VolumeExpansion OpsRequest), succeeds within its bound; " +
		"every volume then reports the size asked for, every broker keeps its store, no send fails, and no acknowledged message is lost or duplicated.",
	Description: "Only the brokers have volumes (the addon's namesrvs keep nothing). A StorageClass without allowVolumeExpansion (kind's local-path) cannot grow a volume: " +
		"the case is skipped naming the class, as it is on the local target, whose stores are folders.",
	Clauses: []verdict.Clause{clauseBrokers, veSucceeded, veCapacity, veStores, veWrites, clauseNotLost, clauseNotTwice},
	Needs:   []verdict.Capability{verdict.Messaging, verdict.Operations},
	Slow:    true,
	Timeout: 16 * time.Minute,
}, Run: volumeExpand, Shares: volumeExpansionOfBrokers}

// volumeExpansionOfBrokers is the expansion, performed once and judged
// from its record.
var volumeExpansionOfBrokers = sharedFault[*volumeExpandRun]{name: "expansion of the broker volumes", perform: runVolumeExpand}

// volumeExpandRun is the record of the expansion under load.
type volumeExpandRun struct {
	f     *faultRun
	bound time.Duration
	op    target.Operation
}

func volumeExpand(ctx context.Context, t *T) {
	r := volumeExpansionOfBrokers.of(ctx, t)
	h := r.f.judged(t)
	if why := shardsMismatch(r.f.shards, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "%s", why)
	}
	op := judgedOperation(t, r.op)
	judgeStopStartOp(t, veSucceeded, op, r.bound)
	judgeCapacities(t, op, len(allBrokers(r.f.shards)))
	if len(op.StoresBefore) == 0 || !maps.Equal(op.StoresBefore, op.Stores) {
		t.Errorf(veStores, "the volumes were %s before the expansion and %s after", storesText(op.StoresBefore), storesText(op.Stores))
	}
	r.f.failedOutside(t, veWrites, h, nil, "nothing: an online expansion must not disturb the sends")
	r.f.judgeFinal(t, h)
}

// judgeCapacities checks every volume of op reports its Requested size,
// and that there is one per broker.
func judgeCapacities(t *T, op target.Operation, brokers int) {
	want, err := resource.ParseQuantity(op.Requested)
	if err != nil {
		t.Errorf(veCapacity, "the expansion asked for %q, no size: %v", op.Requested, err)
		return
	}
	if len(op.Capacities) != brokers {
		t.Errorf(veCapacity, "%d volumes reported (%s); the topology has %d brokers", len(op.Capacities), storesText(op.Capacities), brokers)
	}
	for _, pvc := range slices.Sorted(maps.Keys(op.Capacities)) {
		got, err := resource.ParseQuantity(op.Capacities[pvc])
		if err != nil || got.Cmp(want) < 0 {
			t.Errorf(veCapacity, "PVC %s reports %q after the expansion to %s", pvc, op.Capacities[pvc], op.Requested)
		}
	}
}

// runVolumeExpand grows every broker volume under load.
func runVolumeExpand(ctx context.Context, t *T) *volumeExpandRun {
	f := startFaultRun(ctx, t, "conformance-volexpand")
	r := &volumeExpandRun{f: f, bound: nsScaleBound(t)}
	op := t.Target.Abilities().Operator
	r.op = f.operate(ctx, t, "expansion of the broker volumes by "+volumeGrowth, r.bound, func(ctx context.Context) (target.Operation, error) {
		return op.ExpandVolumes(ctx, target.ComponentBroker, volumeGrowth)
	})
	f.stop(ctx, t)
	return r
}
