package verdict

import (
	"fmt"
	"time"

	"github.com/rmqkb/conformance/internal/topology"
)

// Case is what one conformance check promises and what it needs to show
// it: the contract, without the check's body (scenarios.Case adds it).
// Its ID (Suite/Name) is stable: it is the JUnit testcase name users gate
// on.
type Case struct {
	Suite string
	Name  string
	// Promise is what the architecture promises, in one sentence; a failure
	// report starts with it.
	Promise string
	// Description adds what a reader needs: where the seed and the addon
	// differ, which protocol periods the case waits on.
	Description string
	// Clauses are the promise's parts, each checked on its own: the tests
	// hold a planted fault for every one that makes exactly it fail
	// (scenarios/plants_test.go), so no check here is one that cannot fail.
	// A failure names the clauses it broke (Result.FailedClauses).
	Clauses []Clause
	// Needs lists the target capabilities the case cannot run without.
	Needs []Capability
	// MinShards and MinReplicas are the smallest topology on which the
	// clauses of the promise can be observed at all; on a smaller one the
	// case is skipped whole, naming what it needs, never passed.
	MinShards, MinReplicas int
	// MinNamesrvs is the smallest number of namesrvs the promise can be
	// observed on.
	MinNamesrvs int
	// DLedgerMinReplicas is MinReplicas in DLedger mode, where a case that
	// kills a member needs a majority left to elect a leader.
	DLedgerMinReplicas int
	// OnlyIn names the modes the case's promise belongs to: a case of
	// the ACL mode is skipped, naming why, on a Cluster without ACL.
	// NotIn names modes where its promise does not hold by design, and
	// NotInWhy says why.
	OnlyIn, NotIn topology.Mode
	NotInWhy      string
	// AfterReports marks a case that judges what the run wrote: it is not
	// run with the others but completed once the reports are on disk
	// (reports.Complete); until then its result is Pending.
	AfterReports bool
	// Slow marks a case that waits minutes on a protocol timer (the
	// namesrv's 120 s broker expiry): the quick profile skips it.
	Slow bool
	// Timeout bounds the case; 0 means DefaultTimeout. It is set for the
	// local target; Recreations is how many killed brokers or namesrvs the
	// case waits to see recreated, each worth the session's recreation
	// allowance more (WithRecreationAllowance).
	Timeout     time.Duration
	Recreations int
	// Startup marks a case that waits for the platform to bring the
	// Cluster up (Running, pods Ready, roles labelled): it is given the
	// session's startup allowance on top of its timeout, and bounds its
	// wait by that allowance.
	Startup bool
	// Gates marks the case whose failure means the Cluster never became
	// what the other cases need: every case that needs a live cluster
	// (NeedsLive) is then not judged, and says which clauses it waited on.
	// A selection with such a case includes the gate.
	Gates bool
}

// NeedsLive reports whether the case needs a live cluster: RocketMQ that
// answers, brokers to kill or freeze, a management plane, operations
// on it. The object and
// account cases do not: what KubeBlocks created can be judged whether or
// not it came up.
func (c Case) NeedsLive() bool {
	for _, n := range c.Needs {
		switch n {
		case Messaging, Faults, Freezing, HoldDown, Management, Operations:
			return true
		}
	}
	return false
}

// DefaultTimeout bounds a case that sets none.
const DefaultTimeout = 60 * time.Second

// ID returns suite/name.
func (c Case) ID() string { return c.Suite + "/" + c.Name }

// Declares reports whether id is one of the case's clauses.
func (c Case) Declares(id string) bool {
	for _, cl := range c.Clauses {
		if cl.ID == id {
			return true
		}
	}
	return false
}

// TopologyGap says why topo is too small for the case, or runs another
// mode, or "".
func (c Case) TopologyGap(topo topology.Topology) string {
	switch {
	case c.OnlyIn.ACL && !topo.Mode.ACL || c.OnlyIn.DLedger && !topo.Mode.DLedger:
		return fmt.Sprintf("belongs to mode %s; this Cluster runs mode %s (--acl, --dledger, or its %s annotation)", c.OnlyIn, topo.Mode, "kubeblocks.io/extra-env")
	case c.NotIn.ACL && topo.Mode.ACL || c.NotIn.DLedger && topo.Mode.DLedger:
		return fmt.Sprintf("does not apply in mode %s: %s", topo.Mode, c.NotInWhy)
	case topo.Namesrvs < c.MinNamesrvs:
		return fmt.Sprintf("needs at least %d namesrvs to observe its promise; this topology has %d (--namesrvs)", c.MinNamesrvs, topo.Namesrvs)
	case topo.Shards < c.MinShards:
		return fmt.Sprintf("needs at least %d broker shards to observe its promise; this topology has %d (--shards)", c.MinShards, topo.Shards)
	case topo.Mode.DLedger && topo.Replicas < c.DLedgerMinReplicas:
		return fmt.Sprintf("needs at least %d brokers per shard in DLedger mode, so that a majority of the Raft group survives the loss of one and elects a leader; this topology has %d (--replicas)", c.DLedgerMinReplicas, topo.Replicas)
	case topo.Replicas < c.MinReplicas:
		return fmt.Sprintf("needs at least %d brokers per shard (a master and a slave) to observe its promise; this topology has %d (--replicas)", c.MinReplicas, topo.Replicas)
	}
	return ""
}
