package scenarios

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// Case is one conformance check. Its ID (Suite/Name) is stable: it is the
// JUnit testcase name users gate on.
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
	Clauses []verdict.Clause
	// Needs lists the target capabilities the case cannot run without.
	Needs []verdict.Capability
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
	OnlyIn, NotIn Mode
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
	// Run performs the check. It reports through t and returns; t.Fatalf ends
	// it early.
	Run func(ctx context.Context, t *T)
}

// The clauses many cases hold.
var (
	// clauseBrokers: a case walks the shards and brokers the Cluster asks
	// for, never fewer: a short set fails it instead of passing on nothing.
	clauseBrokers = verdict.Clause{ID: "brokers", Text: "walks every shard and broker the Cluster asks for"}
	// clauseObjects is clauseBrokers for the object cases.
	clauseObjects = verdict.Clause{ID: "pods", Text: "walks every shard and pod the Cluster asks for"}
	// clauseSent: outside a fault, every write is acknowledged.
	clauseSent = verdict.Clause{ID: "acked", Text: "every send is acknowledged"}
	// clauseNotLost: the brokers keep every message they acknowledged.
	clauseNotLost = verdict.Clause{ID: "no-acked-loss", Text: "no acknowledged message is lost"}
	// clauseNotTwice: a read-back holds each acknowledged message once.
	clauseNotTwice = verdict.Clause{ID: "no-duplicate", Text: "no acknowledged message is read back twice"}
)

// DefaultTimeout bounds a case that sets none.
const DefaultTimeout = 60 * time.Second

// ID returns suite/name.
func (c Case) ID() string { return c.Suite + "/" + c.Name }

// declares reports whether id is one of the case's clauses.
func (c Case) declares(id string) bool {
	for _, cl := range c.Clauses {
		if cl.ID == id {
			return true
		}
	}
	return false
}

// topologyGap says why topo is too small for the case, or runs another
// mode, or "".
func (c Case) topologyGap(topo Topology) string {
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

var registry []Case

// register adds cases to the contract; each suite file calls it from init.
func register(cs ...Case) {
	for _, c := range cs {
		for _, old := range registry {
			if old.ID() == c.ID() {
				panic("scenarios: duplicate case " + c.ID())
			}
		}
		registry = append(registry, c)
	}
}

// All returns every case of the contract, ordered by suite then by the order
// the suite declares them.
func All() []Case {
	order := map[string]int{}
	for i, s := range verdict.Suites {
		order[s] = i
	}
	out := append([]Case(nil), registry...)
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Suite] < order[out[j].Suite] })
	return out
}

// Select returns the cases whose ID matches re. An expression that matches no
// case is an error, so a typo never yields an empty green run.
func Select(re string) ([]Case, error) {
	if re == "" {
		return All(), nil
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		return nil, fmt.Errorf("--run %q is not a regular expression: %w", re, err)
	}
	var out []Case
	for _, c := range All() {
		if rx.MatchString(c.ID()) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--run %q matches no case; `list` shows the case IDs", re)
	}
	return out, nil
}

// NotRun reports cases that could not run, as skipped with the reason.
func NotRun(cases []Case, why string) []verdict.Result {
	var out []verdict.Result
	for _, c := range cases {
		out = append(out, verdict.Result{ID: c.ID(), Suite: c.Suite, Case: c.Name, Promise: c.Promise, Description: c.Description, Status: verdict.Skipped, Observed: why})
	}
	return out
}
