package target

import (
	"context"
	"strings"
	"time"
)

// Operator is a target that performs the platform's day-2 operations as
// its users ask for them: on kube an OpsRequest of KubeBlocks, on the
// local target the same steps in the order KubeBlocks takes them. It
// returns what it observed, not a verdict: the cases judge the record.
type Operator interface {
	// Restart restarts every pod of component (ComponentBroker: every
	// shard; ComponentNamesrv) and returns once the platform says the
	// operation ended, or ctx ends (the record then says how far it got).
	Restart(ctx context.Context, component string) (Operation, error)
	// Reconfigure sets parameters of component's configuration (the
	// brokers' broker.conf keys) as the platform's users do (KubeBlocks: a
	// Reconfiguring OpsRequest, which the addon applies to a running
	// broker with its reloader), and returns once the platform says the
	// operation ended. A refusal the platform says when asked (a
	// parameter it holds immutable) is an operation that ended Failed,
	// with the refusal in its evidence, not an error.
	Reconfigure(ctx context.Context, component string, params map[string]string) (Operation, error)
	// Stop stops the whole cluster, keeping the brokers' stores
	// (KubeBlocks: a Stop OpsRequest), and Start starts it again; each
	// returns once the platform says it ended.
	Stop(ctx context.Context) (Operation, error)
	Start(ctx context.Context) (Operation, error)
	// VerticalScale sets the container resources of component's pods
	// (KubeBlocks: a VerticalScaling OpsRequest, which rolls the pods as
	// a restart does), and returns once the platform says it ended.
	VerticalScale(ctx context.Context, component string, r Resources) (Operation, error)
	// Inspect says what a pod runs with: its container's memory limit
	// and the heap flags of the JVM running in it, read from the running
	// process, not from a spec.
	Inspect(ctx context.Context, pod string) (PodRun, error)
	// HorizontalScale adds (delta > 0) or removes (delta < 0) replicas
	// of component (KubeBlocks: a HorizontalScaling OpsRequest; for the
	// namesrvs the addon's memberJoin and memberLeave actions push the
	// namesrv list to every broker), and returns once the platform says
	// it ended. The record's Members are the component's pods after.
	HorizontalScale(ctx context.Context, component string, delta int) (Operation, error)
	// ScaleShards adds (delta > 0) or removes (delta < 0) broker shards
	// (KubeBlocks: a HorizontalScaling OpsRequest setting the sharding's
	// shard count), and returns once the platform says it ended. The
	// record's Shards are the shards after. Which shard a scale-in
	// removes is the platform's choice (KubeBlocks 1.0.2: the names that
	// sort last).
	ScaleShards(ctx context.Context, delta int) (Operation, error)
	// ExpandVolumes grows the storage request of every data volume of
	// component by the quantity by (KubeBlocks: a VolumeExpansion
	// OpsRequest for the largest request plus by), and returns once the
	// platform says it ended; the record's Requested is the size asked
	// for, its Capacities the volumes' capacities after. A target whose volumes cannot
	// grow (a StorageClass without allowVolumeExpansion; no volumes at
	// all) returns a *Cannot naming why.
	ExpandVolumes(ctx context.Context, component, by string) (Operation, error)
}

// Resources are container resources as Kubernetes quantities ("2Gi",
// "500m"); an empty one is left as it is.
type Resources struct {
	CPULimit, MemoryLimit, CPURequest, MemoryRequest string
}

// PodRun is what a pod runs with.
type PodRun struct {
	MemoryLimit string    // its main container's, as the platform set it
	Resources   Resources // all of its main container's, as set ("" where unset)
	JVMFlags    []string  // the heap flags (-Xms, -Xmx, -Xmn, -XX:MaxDirectMemorySize) of its running JVM
}

// Flag returns the value of the JVM flag with prefix (say "-Xmx"), or "".
func (r PodRun) Flag(prefix string) string {
	for _, f := range r.JVMFlags {
		if v, ok := strings.CutPrefix(f, prefix); ok {
			return v
		}
	}
	return ""
}

// HeapFlags picks the heap flags out of a JVM's command line.
func HeapFlags(argv []string) []string {
	var out []string
	for _, a := range argv {
		if strings.HasPrefix(a, "-Xms") || strings.HasPrefix(a, "-Xmx") || strings.HasPrefix(a, "-Xmn") || strings.HasPrefix(a, "-XX:MaxDirectMemorySize=") {
			out = append(out, a)
		}
	}
	return out
}

// The components an operation addresses, by the names the addon gives
// them (the broker sharding and the namesrv component).
const (
	ComponentBroker  = "broker"
	ComponentNamesrv = "namesrv"
	// ComponentCluster names an operation on the whole cluster (Stop,
	// Start).
	ComponentCluster = "cluster"
)

// OpSucceeded is the phase of an operation the platform completed
// (KubeBlocks' OpsRequest phase "Succeed").
const OpSucceeded = "Succeed"

// OpEnded reports whether phase is one after which the platform does
// nothing more with the operation (KubeBlocks 1.0.2: Succeed, Failed,
// Cancelled, Aborted).
func OpEnded(phase string) bool {
	switch phase {
	case OpSucceeded, "Failed", "Cancelled", "Aborted":
		return true
	}
	return false
}

// Operation is what the platform did and said while performing one
// operation.
type Operation struct {
	Name       string // the OpsRequest's name, or what the local target did
	Component  string
	Phase      string // the last phase the platform reported ("" if none)
	Start, End time.Time
	// Pods are the component's pods when the operation began, by
	// ordinal within each shard (namesrv: one group).
	Pods []string
	// Incarnations lists every pod incarnation that started during the
	// operation, in the order they started.
	Incarnations []Incarnation
	// Remaining lists the component's pods that still existed when the
	// operation ended (after a Stop, none may).
	Remaining []string
	// Members are the component's pods when the operation ended, with
	// the address each serves on (a namesrv's host:port).
	Members map[string]string
	// Stores names each broker store the operation saw when it ended,
	// with its identity (kube: a PVC and its UID; local: a data
	// directory and its inode): the same identities after a Stop and
	// a Start mean the stores were kept.
	Stores map[string]string
	// StoresBefore are the Stores when the operation began, where it
	// promises to keep them (a volume expansion).
	StoresBefore map[string]string
	// Shards are the broker shards when the operation ended (a shard
	// scaling), by name.
	Shards []string
	// Capacities are the capacities of the component's volumes when the
	// operation ended, as the platform reports them (a volume
	// expansion).
	Capacities map[string]string
	Requested  string // a volume expansion: the size asked for
	// Evidence is what the platform said on the way (the OpsRequest's
	// conditions and progress, pod events), for a failed judgement.
	Evidence []string
}

// Incarnation is one start of a pod: a new pod object on kube (a new
// UID), a new process on the local target.
type Incarnation struct {
	Pod     string
	Started time.Time
	// Ready is when it was first seen Ready (registered, on the local
	// target); zero when it never was while the operation was observed.
	Ready time.Time
}
