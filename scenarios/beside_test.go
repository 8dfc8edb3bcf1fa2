package scenarios

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// besideShards is a 2x2 topology's shards, for a host to cue with.
var besideShards = []target.Shard{
	{Name: "s0", Brokers: []target.Broker{{Pod: "s0-0", Ordinal: 0}, {Pod: "s0-1", Ordinal: 1}}},
	{Name: "s1", Brokers: []target.Broker{{Pod: "s1-0", Ordinal: 0}, {Pod: "s1-1", Ordinal: 1}}},
}

// besidePair is a host that cues (when cue is set) and a guest that
// touches what touches returns, each logging into events what happened
// in order, in cases of suite test.
type besidePair struct {
	mu     sync.Mutex
	events []string
}

func (p *besidePair) log(e string) {
	p.mu.Lock()
	p.events = append(p.events, e)
	p.mu.Unlock()
}

func (p *besidePair) runs(cue bool, touches func([]target.Shard) []target.Broker) (host, guest sharedFault[string], cases []Case) {
	host = sharedFault[string]{name: "test host", perform: func(ctx context.Context, t *T) string {
		p.log("host started")
		if cue {
			c := t.session.cue("test host", besideShards, []string{"ns0"})
			p.log("host cued: " + c.guest + " " + strings.Join(pods(c.left), ","))
			t.Logf("left out %v", pods(c.left))
		}
		p.log("host ended")
		return "host"
	}}
	guest = sharedFault[string]{name: "test guest", beside: &besideOf{host: "test host", touches: touches}, perform: func(ctx context.Context, t *T) string {
		p.log("guest avoids " + strings.Join(avoided(ctx), ","))
		return "guest"
	}}
	for _, w := range []sharedFault[string]{host, guest} {
		cases = append(cases, Case{Case: verdict.Case{Suite: "test", Name: w.name, Promise: "p", Clauses: []verdict.Clause{clauseA}},
			Shares: w, Run: func(ctx context.Context, t *T) { w.of(ctx, t) }})
	}
	return host, guest, cases
}

func slaveOfFirst(shards []target.Shard) []target.Broker {
	return []target.Broker{shards[0].Brokers[1]}
}

// TestBesideStartsAtTheHostsCue: a guest starts when its host cues, with
// the host's namesrv avoided, the host learns what to leave out, and the
// suite's setup reports the two as one step; both cases pass, each judged
// from its own run.
func TestBesideStartsAtTheHostsCue(t *testing.T) {
	p := &besidePair{}
	_, _, cases := p.runs(true, slaveOfFirst)
	s := NewSession(stubTarget{})
	steps := s.Prepare(context.Background(), cases, func(string, ...any) {})
	if len(steps) != 1 || steps[0].Name != "setup: test host and test guest (overlapping)" {
		t.Fatalf("steps %+v, want one overlapping step", steps)
	}
	if !slices.Contains(p.events, "host cued: test guest s0-1") || !slices.Contains(p.events, "guest avoids ns0") {
		t.Fatalf("events %q: want the guest started at the cue, avoiding ns0, and s0-1 left out", p.events)
	}
	if i, j := slices.Index(p.events, "host started"), slices.Index(p.events, "guest avoids ns0"); j < i {
		t.Errorf("events %q: the guest ran before its host", p.events)
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

// TestBesideNotCued: a guest whose host never cues, or would leave the
// host nothing or everything to judge, is performed after the host, on
// every namesrv, as a step of its own; in DLedger mode nothing pairs.
func TestBesideNotCued(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cue     bool
		touches func([]target.Shard) []target.Broker
		tgt     target.Target
	}{
		{"host does not cue", false, slaveOfFirst, stubTarget{}},
		{"guest touches nothing", true, func([]target.Shard) []target.Broker { return nil }, stubTarget{}},
		{"guest touches every broker", true, func(s []target.Shard) []target.Broker { return append(slices.Clone(s[0].Brokers), s[1].Brokers...) }, stubTarget{}},
		{"DLedger", true, slaveOfFirst, dledgerStub{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &besidePair{}
			_, _, cases := p.runs(tc.cue, tc.touches)
			steps := NewSession(tc.tgt).Prepare(context.Background(), cases, func(string, ...any) {})
			if len(steps) != 2 || steps[0].Name != "setup: test host" || steps[1].Name != "setup: test guest" {
				t.Fatalf("steps %+v, want the host's, then the guest's", steps)
			}
			if got := p.events[len(p.events)-1]; got != "guest avoids " {
				t.Errorf("events %q: want the guest last, avoiding no namesrv", p.events)
			}
		})
	}
}

// dledgerStub is stubTarget in DLedger mode.
type dledgerStub struct{ stubTarget }

func (dledgerStub) Topology() Topology {
	return Topology{Cluster: "c", Namesrvs: 1, Shards: 1, Replicas: 3, Mode: Mode{DLedger: true}}
}

// TestLeaveOut: the brokers a guest kills are left out by pod, the rest
// and every shard kept.
func TestLeaveOut(t *testing.T) {
	got := leaveOut(besideShards, []target.Broker{{Pod: "s0-1"}})
	if len(got) != 2 || len(got[0].Brokers) != 1 || got[0].Brokers[0].Pod != "s0-0" || len(got[1].Brokers) != 2 {
		t.Fatalf("leaveOut = %+v", got)
	}
	if len(besideShards[0].Brokers) != 2 {
		t.Fatal("leaveOut changed its input")
	}
}
