package scenarios

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"github.com/rmqkb/conformance/verdict"
)

// Case is one conformance check: its contract and the body that checks
// it.
type Case struct {
	verdict.Case
	// Run performs the check. It reports through t and returns; t.Fatalf ends
	// it early.
	Run func(ctx context.Context, t *T)
	// Shares is the run this case judges with others (a fault performed
	// once for all of them), or nil: the runner performs it before the
	// suite's cases, and each case judges the same record.
	Shares shared
	// topics are the topics its run needs its slaves to know before it
	// starts; the session creates them ahead (topicAhead).
	topics []topicAhead
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
	live := false
	for _, c := range All() {
		if rx.MatchString(c.ID()) {
			out = append(out, c)
			live = live || c.NeedsLive()
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--run %q matches no case; `list` shows the case IDs", re)
	}
	if live {
		out = withGates(out)
	}
	return out, nil
}

// withGates adds to a selection the gate cases it lacks (Case.Gates), in
// their place: a case that needs a live cluster is judged only once the
// gate has judged that the cluster is there.
func withGates(sel []Case) []Case {
	have := map[string]bool{}
	for _, c := range sel {
		have[c.ID()] = true
	}
	var out []Case
	for _, c := range All() {
		if have[c.ID()] || c.Gates {
			out = append(out, c)
		}
	}
	return out
}

// NotRun reports cases that could not run, as skipped with the reason.
func NotRun(cases []Case, why string) []verdict.Result {
	var out []verdict.Result
	for _, c := range cases {
		out = append(out, verdict.Result{ID: c.ID(), Suite: c.Suite, Case: c.Name, Promise: c.Promise, Description: c.Description, Status: verdict.Skipped, Observed: why})
	}
	return out
}

// BySuite splits cases, in their order, where the suite changes: the
// commands' runner and the harness set up and tear down a suite around
// each group.
func BySuite(cases []Case) [][]Case {
	var out [][]Case
	for i, c := range cases {
		if i == 0 || c.Suite != cases[i-1].Suite {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], c)
	}
	return out
}
