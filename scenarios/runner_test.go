package scenarios

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// stubTarget is a target with no RocketMQ behind it, for testing the
// engine itself; every case that talks to RocketMQ is tested on the real
// local target elsewhere.
type stubTarget struct{ lacks map[verdict.Capability]string }

func (s stubTarget) Name() string { return "stub" }
func (s stubTarget) Topology() Topology {
	return Topology{Cluster: "c", Namesrvs: 1, Shards: 1, Replicas: 2}
}
func (s stubTarget) Abilities() target.Abilities                    { return target.Abilities{Cannot: s.lacks} }
func (s stubTarget) Namesrvs(context.Context) ([]string, error)     { return nil, nil }
func (s stubTarget) Shards(context.Context) ([]target.Shard, error) { return nil, nil }
func (s stubTarget) Kill(context.Context, target.Broker) error      { return nil }
func (s stubTarget) AwaitBack(context.Context, target.Broker) error { return nil }
func (s stubTarget) KillNamesrv(context.Context, int) error         { return nil }
func (s stubTarget) AwaitNamesrvBack(context.Context, int) error    { return nil }
func (s stubTarget) Credentials() (string, string)                  { return "", "" }

func runOne(t *testing.T, tgt target.Target, c Case) verdict.Result {
	t.Helper()
	if c.Suite == "" {
		c.Suite, c.Name = "test", "case"
	}
	rs := Execute(context.Background(), tgt, []Case{c})
	if len(rs) != 1 {
		t.Fatalf("got %d results", len(rs))
	}
	return rs[0]
}

// The clauses of the test cases.
var (
	clauseA = verdict.Clause{ID: "a", Text: "the first part"}
	clauseB = verdict.Clause{ID: "b", Text: "the second part"}
)

func TestVerdicts(t *testing.T) {
	cleaned := false
	for _, tc := range []struct {
		name     string
		run      func(context.Context, *T)
		status   verdict.Status
		observed string
		failed   []string
	}{
		{"pass", func(_ context.Context, t *T) { t.Logf("fine") }, verdict.Passed, "", nil},
		{"errorf goes on", func(_ context.Context, t *T) { t.Errorf(clauseA, "a"); t.Errorf(clauseB, "b") }, verdict.Failed, "[a] a\n[b] b", []string{"test/case#a", "test/case#b"}},
		{"one clause twice", func(_ context.Context, t *T) { t.Errorf(clauseB, "x"); t.Errorf(clauseB, "y") }, verdict.Failed, "[b] x\n[b] y", []string{"test/case#b"}},
		{"fatalf stops", func(_ context.Context, t *T) { t.Fatalf(clauseA, "stop"); t.Errorf(clauseB, "never") }, verdict.Failed, "[a] stop", []string{"test/case#a"}},
		{"skip", func(_ context.Context, t *T) { t.Skipf("why") }, verdict.Skipped, "why", nil},
		{"errored", func(_ context.Context, t *T) { t.Erroredf("env broke") }, verdict.Errored, "env broke", nil},
		{"panic", func(_ context.Context, t *T) { panic("boom") }, verdict.Errored, "panicked: boom", nil},
		{"cleanup runs", func(_ context.Context, t *T) { t.Cleanup(func() { cleaned = true }) }, verdict.Passed, "", nil},
		{"undeclared clause", func(_ context.Context, t *T) { t.Errorf(verdict.Clause{ID: "z", Text: "not mine"}, "oops") }, verdict.Errored, `suite defect: test/case judged clause "z"`, nil},
		{"inconclusive alone", func(_ context.Context, t *T) { t.Inconclusivef(clauseA, "late, but starved") }, verdict.Errored, "inconclusive", nil},
		{"a failure beside an inconclusive", func(_ context.Context, t *T) {
			t.Inconclusivef(clauseA, "late, but starved")
			t.Errorf(clauseB, "broken")
		}, verdict.Failed, "[b] broken", []string{"test/case#b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runOne(t, stubTarget{}, Case{Case: verdict.Case{Promise: "p", Clauses: []verdict.Clause{clauseA, clauseB}}, Run: tc.run})
			if r.Status != tc.status || !strings.Contains(r.Observed, tc.observed) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Observed, tc.status, tc.observed)
			}
			if !slices.Equal(r.FailedClauses, tc.failed) {
				t.Errorf("failed clauses %v, want %v", r.FailedClauses, tc.failed)
			}
		})
	}
	if !cleaned {
		t.Error("the case's cleanup did not run")
	}
}

// TestInconclusiveClausesAreListed: a clause judged inconclusive is named
// in the result, beside a failure or alone.
func TestInconclusiveClausesAreListed(t *testing.T) {
	r := runOne(t, stubTarget{}, Case{Case: verdict.Case{Promise: "p", Clauses: []verdict.Clause{clauseA, clauseB}}, Run: func(_ context.Context, t *T) {
		t.Inconclusivef(clauseA, "late, but starved")
		t.Errorf(clauseB, "broken")
	}})
	if !slices.Equal(r.InconclusiveClauses, []string{"test/case#a"}) || !strings.Contains(strings.Join(r.Evidence, "\n"), "late, but starved") {
		t.Errorf("inconclusive %v, evidence %q", r.InconclusiveClauses, r.Evidence)
	}
}

// TestClauseIDsAreStableAndUnique: every clause has a kebab-case ID,
// unique within its case, and a text.
func TestClauseIDsAreStableAndUnique(t *testing.T) {
	id := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, c := range All() {
		seen := map[string]bool{}
		for _, cl := range c.Clauses {
			if !id.MatchString(cl.ID) || cl.Text == "" || seen[cl.ID] {
				t.Errorf("%s: clause %+v: want a unique kebab-case ID and a text", c.ID(), cl)
			}
			seen[cl.ID] = true
		}
	}
}

func TestMissingCapabilityIsSkippedWithReason(t *testing.T) {
	ran := false
	r := runOne(t, stubTarget{lacks: map[verdict.Capability]string{verdict.Objects: "no kube here"}},
		Case{Case: verdict.Case{Needs: []verdict.Capability{verdict.Objects}}, Run: func(context.Context, *T) { ran = true }})
	if ran || r.Status != verdict.Skipped || !strings.Contains(r.Observed, "no kube here") {
		t.Errorf("ran=%v status=%s observed=%q; want skipped with the target's reason, not run", ran, r.Status, r.Observed)
	}
}

// TestTimeoutIsErrored: a case that outlives its own timeout is errored
// saying so; were the timeout not applied, the session's deadline would
// end it instead, saying something else.
func TestTimeoutIsErrored(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := Case{Case: verdict.Case{Suite: "test", Name: "case", Timeout: 50 * time.Millisecond}, Run: func(ctx context.Context, t *T) { <-ctx.Done() }}
	r := Execute(ctx, stubTarget{}, []Case{c})[0]
	if r.Status != verdict.Errored || !strings.Contains(r.Observed, "timeout") || ctx.Err() != nil {
		t.Errorf("got %s %q (session: %v); want errored on the case's own timeout", r.Status, r.Observed, ctx.Err())
	}
}

func TestSelect(t *testing.T) {
	all, err := Select("")
	if err != nil || len(all) != len(All()) {
		t.Fatalf("Select(\"\") = %d cases, %v", len(all), err)
	}
	// Cases that need a live cluster bring their gate along, first.
	if got, err := Select("^failover/"); err != nil || len(got) != 8 || got[0].ID() != "cluster/ready" {
		t.Errorf("Select(^failover/) = %d cases, %v; want cluster/ready and the 7 of failover", len(got), err)
	}
	// Object cases need no gate.
	if got, err := Select("^layout/"); err != nil || len(got) != 4 || got[0].ID() != "layout/topology" {
		t.Errorf("Select(^layout/) = %d cases, %v; want layout's 4", len(got), err)
	}
	if _, err := Select("no-such-case"); err == nil || !strings.Contains(err.Error(), "matches no case") {
		t.Errorf("a regex matching nothing: err %v", err)
	}
	if _, err := Select("("); err == nil || !strings.Contains(err.Error(), "not a regular expression") {
		t.Errorf("a bad regex: err %v", err)
	}
}

// TestContract: every case belongs to a suite of the contract, in the
// suites' order, and states its promise. Which cases there are, with which
// clauses, is pinned once, in README's contract table
// (cli's TestReadmeListsEveryClause): the IDs users gate on.
func TestContract(t *testing.T) {
	last := -1
	for _, c := range All() {
		i := slices.Index(verdict.Suites, c.Suite)
		if i < 0 || i < last {
			t.Errorf("%s: suite %q out of the contract's order %v", c.ID(), c.Suite, verdict.Suites)
		}
		last = max(last, i)
		if c.Promise == "" {
			t.Errorf("%s has no promise", c.ID())
		}
	}
}

// TestErroredAfterInterruptionIsTheInterruption: a setup step that fails
// because the run was interrupted errors the case as interrupted, saying
// what it was doing, not as the step's own error.
func TestErroredAfterInterruptionIsTheInterruption(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := NewSession(stubTarget{}).Run(ctx, Case{Case: verdict.Case{Suite: "test", Name: "case", Promise: "p"}, Run: func(ctx context.Context, t *T) {
		cancel()
		<-ctx.Done()
		t.Erroredf("not judged: create a topic: %v", ctx.Err())
	}})
	if r.Status != verdict.Errored || !strings.HasPrefix(r.Observed, "interrupted") || !strings.Contains(r.Observed, "create a topic") {
		t.Errorf("got %s %q, want errored as interrupted, saying what it was doing", r.Status, r.Observed)
	}
}

// TestWarnedAcksAreReported: a case that sent through a history reports
// every acknowledgement that came with FLUSH_DISK_TIMEOUT, a figure and a
// warning in its evidence, whatever it judged; one that had none reports
// nothing.
func TestWarnedAcksAreReported(t *testing.T) {
	for _, warned := range []int{0, 2} {
		r := runOne(t, stubTarget{}, Case{Case: verdict.Case{Promise: "p"}, Run: func(_ context.Context, t *T) {
			h := newHistory(t)
			h.Invoke("a", "s1")
			h.Ack("a", "s1", 0, 0)
			for i := range warned {
				id := "w" + strconv.Itoa(i)
				h.Invoke(id, "s1")
				h.AckWarned(id, "s1", 0, int64(i+1), "FLUSH_DISK_TIMEOUT")
			}
		}})
		var figure float64
		for _, f := range r.Figures {
			if f.Name == "acked_flush_disk_timeout" {
				figure = f.Value
			}
		}
		said := strings.Contains(strings.Join(r.Evidence, "\n"), "acknowledged FLUSH_DISK_TIMEOUT")
		if r.Status != verdict.Passed || int(figure) != warned || said != (warned > 0) {
			t.Errorf("%d warned: %s, figure %v, evidence %q", warned, r.Status, figure, r.Evidence)
		}
	}
}

// TestRecreationAllowance: a case gets the session's allowance once per
// recreation it declares on top of its own timeout, and nothing more.
func TestRecreationAllowance(t *testing.T) {
	for _, c := range []struct {
		recreations int
		min, max    time.Duration
	}{{0, 0, time.Minute}, {2, 2*time.Hour - time.Minute, 2*time.Hour + time.Minute}} {
		var left time.Duration
		s := NewSession(stubTarget{}, WithRecreationAllowance(time.Hour))
		s.Run(context.Background(), Case{Case: verdict.Case{Suite: "test", Name: "case", Timeout: time.Minute, Recreations: c.recreations}, Run: func(ctx context.Context, t *T) {
			dl, _ := ctx.Deadline()
			left = time.Until(dl)
		}})
		if left < c.min || left > c.max {
			t.Errorf("%d recreations: %s left on the case's clock, want between %s and %s", c.recreations, left, c.min, c.max)
		}
	}
}

// A gate that fails leaves the cases that need a live cluster not judged,
// each naming the clauses it waited on; a case that judges objects still
// runs. A gate that passes gates nothing.
func TestFailedGateLeavesLiveCasesNotJudged(t *testing.T) {
	ran := map[string]bool{}
	body := func(id string) func(context.Context, *T) {
		return func(context.Context, *T) { ran[id] = true }
	}
	gate := func(fail bool) Case {
		return Case{Case: verdict.Case{Suite: "cluster", Name: "ready", Gates: true, Clauses: []verdict.Clause{clauseA, clauseB}},
			Run: func(_ context.Context, t *T) {
				if fail {
					t.Errorf(clauseB, "the Cluster is Creating")
				}
			}}
	}
	live := Case{Case: verdict.Case{Suite: "messaging", Name: "live", Needs: []verdict.Capability{verdict.Messaging}}, Run: body("live")}
	objects := Case{Case: verdict.Case{Suite: "layout", Name: "objects"}, Run: body("objects")}

	rs := Execute(context.Background(), stubTarget{}, []Case{gate(true), live, objects})
	if rs[0].Status != verdict.Failed {
		t.Fatalf("gate: %s", rs[0].Status)
	}
	if rs[1].Status != verdict.Skipped || !strings.Contains(rs[1].Observed, "not judged") || !strings.Contains(rs[1].Observed, "cluster/ready#b") || ran["live"] {
		t.Errorf("live case after a failed gate: %s %q (ran %v)", rs[1].Status, rs[1].Observed, ran["live"])
	}
	if rs[2].Status != verdict.Passed || !ran["objects"] {
		t.Errorf("object case after a failed gate: %s %q", rs[2].Status, rs[2].Observed)
	}

	ran = map[string]bool{}
	rs = Execute(context.Background(), stubTarget{}, []Case{gate(false), live})
	if rs[1].Status != verdict.Passed || !ran["live"] {
		t.Errorf("live case after a passed gate: %s %q", rs[1].Status, rs[1].Observed)
	}
}
