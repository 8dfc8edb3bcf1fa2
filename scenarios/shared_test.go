package scenarios

import (
	"context"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// sharedCases are two cases of suite test that judge the run w, each
// reading its value into got.
func sharedCases(w sharedFault[string], got *[2]string) []Case {
	var out []Case
	for i, name := range []string{"first", "second"} {
		out = append(out, Case{Case: verdict.Case{Suite: "test", Name: name, Promise: "p", Clauses: []verdict.Clause{clauseA, clauseB}},
			Shares: w, Run: func(ctx context.Context, t *T) { got[i] = w.of(ctx, t) }})
	}
	return out
}

// TestSharedRunPerformedOnceBeforeItsCases shows a suite's setup: the run
// two cases judge is performed once, before either, and what it recorded
// (its evidence, its figure) is in both results; once released, the next
// case performs it again.
func TestSharedRunPerformedOnceBeforeItsCases(t *testing.T) {
	var performed atomic.Int32
	w := sharedFault[string]{name: "test run", perform: func(ctx context.Context, t *T) string {
		n := performed.Add(1)
		t.Logf("performed for the %d. time", n)
		t.Figure("n", float64(n), "")
		return "observed"
	}}
	var got [2]string
	cases := sharedCases(w, &got)
	s := NewSession(stubTarget{})
	var said []string
	s.Prepare(context.Background(), cases, func(f string, a ...any) { said = append(said, f) })
	if performed.Load() != 1 || len(said) != 2 {
		t.Fatalf("setup performed the run %d times, said %d lines; want once, two lines", performed.Load(), len(said))
	}
	for i, c := range cases {
		r := s.Run(context.Background(), c)
		if r.Status != verdict.Passed || got[i] != "observed" {
			t.Errorf("%s: %s %q, value %q", c.ID(), r.Status, r.Observed, got[i])
		}
		if !slices.ContainsFunc(r.Evidence, func(e string) bool { return strings.Contains(e, "performed for the 1. time") }) || len(r.Figures) != 1 {
			t.Errorf("%s: evidence %q figures %v, want the run's", c.ID(), r.Evidence, r.Figures)
		}
		if !strings.Contains(r.Evidence[0], "in the setup of suite test") {
			t.Errorf("%s: first line %q, want where the run was performed", c.ID(), r.Evidence[0])
		}
	}
	if performed.Load() != 1 {
		t.Fatalf("the cases performed the run again (%d times)", performed.Load())
	}
	s.Release(cases)
	s.Run(context.Background(), cases[0])
	if performed.Load() != 2 {
		t.Errorf("after Release, a case performed the run %d times in all, want 2", performed.Load())
	}
}

// TestSharedRunFailureIsEveryJudgesFailure: a clause the run found broken
// while it was performed fails every case that judges it, and a run that
// errored errors each; none of them goes on with a value it never got.
func TestSharedRunFailureIsEveryJudgesFailure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		perform func(context.Context, *T) string
		status  verdict.Status
		says    string
	}{
		{"fatal", func(_ context.Context, t *T) string { t.Fatalf(clauseA, "short set"); return "" }, verdict.Failed, "[a] short set"},
		{"errored", func(_ context.Context, t *T) string { t.Erroredf("kill failed"); return "" }, verdict.Errored, "kill failed"},
		{"skipped", func(_ context.Context, t *T) string { t.Skipf("cannot freeze"); return "" }, verdict.Skipped, "cannot freeze"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]string
			cases := sharedCases(sharedFault[string]{name: "test run", perform: tc.perform}, &got)
			s := NewSession(stubTarget{})
			for _, c := range cases { // performed by the first case, judged by both
				r := s.Run(context.Background(), c)
				if r.Status != tc.status || !strings.Contains(r.Observed, tc.says) {
					t.Errorf("%s: %s %q, want %s saying %q", c.ID(), r.Status, r.Observed, tc.status, tc.says)
				}
				if tc.status == verdict.Failed && !slices.Equal(r.FailedClauses, []string{c.ID() + "#a"}) {
					t.Errorf("%s: failed clauses %v", c.ID(), r.FailedClauses)
				}
			}
		})
	}
}

// TestSharedRunStarvationJudgesItsWindow: a timing clause a case judges
// over a window of the shared run, performed before the case started, is
// inconclusive when the machine starved its process during that window,
// as the run's own watch saw it; the case's watch never saw that window.
func TestSharedRunStarvationJudgesItsWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: keeps every core busy for a few seconds")
	}
	var busy []*exec.Cmd
	for range 3 * runtime.NumCPU() {
		busy = append(busy, spinner(t))
	}
	tgt := processTarget{procs: []target.Process{{Name: "starved", PID: busy[0].Process.Pid}}}
	late := verdict.Clause{ID: "late", Text: "it happens in time"}
	w := sharedFault[history.Window]{name: "starved run", perform: func(ctx context.Context, t *T) history.Window {
		start := time.Now()
		<-time.After(3 * starvation.Every) // the window's length: what is measured
		return history.Window{Start: start, End: time.Now()}
	}}
	c := Case{Case: verdict.Case{Suite: "test", Name: "case", Promise: "p", Clauses: []verdict.Clause{late}}, Shares: w,
		Run: func(ctx context.Context, t *T) {
			judgeLate(t, late, w.of(ctx, t), []string{"starved"}, "it took too long")
		}}
	s := NewSession(tgt)
	s.Prepare(context.Background(), []Case{c}, func(string, ...any) {})
	r := s.Run(context.Background(), c)
	if r.Status != verdict.Errored || !slices.Equal(r.InconclusiveClauses, []string{"test/case#late"}) {
		t.Errorf("got %s %q (inconclusive %v), want the late clause inconclusive", r.Status, r.Observed, r.InconclusiveClauses)
	}
}
