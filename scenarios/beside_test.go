package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// besideRuns is a guest (given first, as the namesrv kill comes first in
// its suite), a run between, and the host, each logging into events what
// happened and which namesrv its context keeps it off.
type besideRuns struct {
	mu     sync.Mutex
	events []string
}

func (b *besideRuns) log(format string, args ...any) {
	b.mu.Lock()
	b.events = append(b.events, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

func (b *besideRuns) cases(cue bool) []Case {
	guest := sharedFault[string]{name: "test guest", beside: &besideOf{host: "test host", restarts: 0}, perform: func(ctx context.Context, t *T) string {
		b.log("guest keeps off %d", avoided(ctx))
		return "guest"
	}}
	between := sharedFault[string]{name: "test between", perform: func(ctx context.Context, t *T) string {
		b.log("between")
		return "between"
	}}
	host := sharedFault[string]{name: "test host", perform: func(ctx context.Context, t *T) string {
		b.log("host keeps off %d", avoided(ctx))
		if cue {
			b.log("host cued %q", t.session.cue("test host"))
		}
		return "host"
	}}
	var out []Case
	for _, w := range []sharedFault[string]{guest, between, host} {
		out = append(out, Case{Case: verdict.Case{Suite: "test", Name: w.name, Promise: "p", Clauses: []verdict.Clause{clauseA}},
			Shares: w, Run: func(ctx context.Context, t *T) { w.of(ctx, t) }})
	}
	return out
}

func stepNames(steps []verdict.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Name)
	}
	return out
}

// TestBesideStartsAtTheHostsCue: the guest starts when its host cues, the
// pair at the guest's place in the suite, the host's clients kept off the
// namesrv the guest restarts and the guest's on every namesrv; the setup
// reports the two as one step, and each case is judged from its own run.
func TestBesideStartsAtTheHostsCue(t *testing.T) {
	b := &besideRuns{}
	cases := b.cases(true)
	s := NewSession(twoNamesrvs{})
	steps := s.Prepare(context.Background(), cases, func(string, ...any) {})
	want := []string{"setup: test host and test guest (overlapping)", "setup: test between"}
	if !slices.Equal(stepNames(steps), want) {
		t.Fatalf("steps %q, want %q", stepNames(steps), want)
	}
	b.mu.Lock()
	events := slices.Clone(b.events)
	b.mu.Unlock()
	if len(events) != 4 || events[0] != "host keeps off 0" || events[1] != `host cued "test guest"` || !slices.Contains(events, "guest keeps off -1") || events[3] != "between" {
		t.Fatalf("events %q: want the host first, off namesrv 0, the guest at its cue on every namesrv, then the run between", events)
	}
	for _, c := range cases {
		r := s.Run(context.Background(), c)
		if r.Status != verdict.Passed {
			t.Errorf("%s: %s %q", c.ID(), r.Status, r.Observed)
		}
		if c.Name == "test guest" && !strings.Contains(r.Evidence[0], "beside the test host, in the setup of suite test") {
			t.Errorf("guest's first line %q, want where it was performed", r.Evidence[0])
		}
	}
}

// TestBesideNotCued: a guest whose host never cues is performed after it,
// as a step of its own; with one namesrv or in DLedger mode nothing pairs
// and the runs keep their order, none kept off a namesrv.
func TestBesideNotCued(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cue   bool
		tgt   target.Target
		steps []string
	}{
		{"host does not cue", false, twoNamesrvs{}, []string{"setup: test host", "setup: test guest", "setup: test between"}},
		{"one namesrv", true, stubTarget{}, []string{"setup: test guest", "setup: test between", "setup: test host"}},
		{"DLedger", true, dledgerStub{}, []string{"setup: test guest", "setup: test between", "setup: test host"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &besideRuns{}
			steps := NewSession(tc.tgt).Prepare(context.Background(), b.cases(tc.cue), func(string, ...any) {})
			if !slices.Equal(stepNames(steps), tc.steps) {
				t.Fatalf("steps %q, want %q", stepNames(steps), tc.steps)
			}
			if slices.Contains(b.events, "guest keeps off 0") || (tc.name != "host does not cue" && slices.Contains(b.events, "host keeps off 0")) {
				t.Errorf("events %q: a run kept off a namesrv with no guest beside it", b.events)
			}
			if slices.ContainsFunc(b.events, func(e string) bool { return strings.HasPrefix(e, "host cued \"test") }) {
				t.Errorf("events %q: a cue started a guest", b.events)
			}
		})
	}
}

// TestNamesrvAddrsKeepsOff: a run whose context keeps it off namesrv 0
// asks only the others; without it, every namesrv.
func TestNamesrvAddrsKeepsOff(t *testing.T) {
	var got [2][]string
	c := Case{Case: verdict.Case{Suite: "test", Name: "addrs", Promise: "p", Clauses: []verdict.Clause{clauseA}}, Run: func(ctx context.Context, t *T) {
		got[0] = namesrvAddrs(avoidingNamesrv(ctx, 0), t)
		got[1] = namesrvAddrs(ctx, t)
	}}
	if r := NewSession(twoNamesrvs{}).Run(context.Background(), c); r.Status != verdict.Passed {
		t.Fatalf("%s %q", r.Status, r.Observed)
	}
	if !slices.Equal(got[0], []string{"ns1:9876"}) || !slices.Equal(got[1], []string{"ns0:9876", "ns1:9876"}) {
		t.Fatalf("kept off namesrv 0: %q; not: %q", got[0], got[1])
	}
}

// twoNamesrvs is stubTarget with two namesrvs.
type twoNamesrvs struct{ stubTarget }

func (twoNamesrvs) Topology() Topology {
	return Topology{Cluster: "c", Namesrvs: 2, Shards: 2, Replicas: 2}
}

func (twoNamesrvs) Namesrvs(context.Context) ([]string, error) {
	return []string{"ns0:9876", "ns1:9876"}, nil
}

// dledgerStub is twoNamesrvs in DLedger mode.
type dledgerStub struct{ twoNamesrvs }

func (dledgerStub) Topology() Topology {
	return Topology{Cluster: "c", Namesrvs: 2, Shards: 1, Replicas: 3, Mode: Mode{DLedger: true}}
}
