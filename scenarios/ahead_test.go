package scenarios

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// TestTopicsAheadOfWhatRuns: a session creates ahead the topics of the
// cases that would run here and of the runs they share, once each, and
// none for a case its gate skips.
func TestTopicsAheadOfWhatRuns(t *testing.T) {
	own := topicAhead{"own", 4}
	fault := topicAhead{"fault", 4}
	skipped := topicAhead{"skipped", 1}
	w := sharedFault[string]{name: "test run", ahead: []topicAhead{fault}}
	cases := []Case{
		{Case: verdict.Case{Suite: "test", Name: "one"}, topics: []topicAhead{own}, Shares: w},
		{Case: verdict.Case{Suite: "test", Name: "two"}, topics: []topicAhead{own}, Shares: w},
		{Case: verdict.Case{Suite: "test", Name: "big", MinShards: 3}, topics: []topicAhead{skipped}},
	}
	got := NewSession(stubTarget{}).topicsAhead(cases)
	if want := []topicAhead{own, fault}; !slices.Equal(got, want) {
		t.Errorf("topics ahead %v, want %v", got, want)
	}
}

// TestQuietRunsPerformedTogether: a suite's setup performs the runs that
// inject no fault at the same time, as one step, and a fault only once
// they are done.
func TestQuietRunsPerformedTogether(t *testing.T) {
	started := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	quiet := func(me, other string) sharedFault[string] {
		return sharedFault[string]{name: me, alongside: true, perform: func(ctx context.Context, _ *T) string {
			close(started[me])
			select {
			case <-started[other]:
				return "together"
			case <-ctx.Done():
				return "alone"
			}
		}}
	}
	var faultSaw []string
	fault := sharedFault[string]{name: "fault", perform: func(ctx context.Context, _ *T) string {
		for _, ch := range started {
			select {
			case <-ch:
				faultSaw = append(faultSaw, "started")
			default:
			}
		}
		return ""
	}}
	got := map[string]string{}
	var cases []Case
	for _, w := range []sharedFault[string]{fault, quiet("a", "b"), quiet("b", "a")} {
		cases = append(cases, Case{Case: verdict.Case{Suite: "test", Name: w.name, Promise: "p", Clauses: []verdict.Clause{clauseA}, Timeout: 5 * time.Second},
			Shares: w, Run: func(ctx context.Context, t *T) { got[w.name] = w.of(ctx, t) }})
	}
	s := NewSession(stubTarget{})
	steps := s.Prepare(context.Background(), cases, func(string, ...any) {})
	for _, c := range cases {
		s.Run(context.Background(), c)
	}
	if got["a"] != "together" || got["b"] != "together" {
		t.Errorf("the quiet runs saw %v, want each to see the other start", got)
	}
	if len(faultSaw) != 2 {
		t.Errorf("the fault saw %d quiet runs started, want it performed after both", len(faultSaw))
	}
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = st.Name
	}
	if want := []string{"setup: a and b (together)", "setup: fault"}; !slices.Equal(names, want) {
		t.Errorf("steps %q, want %q", names, want)
	}
}
