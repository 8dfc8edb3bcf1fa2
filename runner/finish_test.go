package runner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// quiet is a Progress that says nothing.
type quiet struct{}

func (quiet) Printf(string, ...any)      {}
func (quiet) CaseStarted(scenarios.Case) {}
func (quiet) CaseDone(verdict.Result)    {}

// TestEveryCaseIsInTheReport: whatever ran, the report lists setup/target
// first and then every case of the selection once, in the selection's
// order, those that did not run as skipped with the reason.
func TestEveryCaseIsInTheReport(t *testing.T) {
	all := scenarios.All()
	ran := verdict.Result{ID: all[len(all)-1].ID(), Suite: all[len(all)-1].Suite, Case: all[len(all)-1].Name, Status: verdict.Passed}
	for _, tc := range []struct {
		name    string
		session *scenarios.Session
		why     string
	}{
		{"target up", &scenarios.Session{}, "not run: not selected here"},
		{"setup failed", nil, notSetUp},
	} {
		r := &Run{setup: Setup{Cases: all}, session: tc.session, run: verdict.Run{Results: []verdict.Result{{ID: SetupCase}}}}
		r.record(ran)
		got := r.assembled("not selected here").Results
		if len(got) != len(all)+1 || got[0].ID != SetupCase {
			t.Fatalf("%s: %d results starting with %s, want setup/target and %d cases", tc.name, len(got), got[0].ID, len(all))
		}
		for i, c := range all {
			res := got[i+1]
			switch {
			case res.ID != c.ID():
				t.Errorf("%s: result %d is %s, want %s (the selection's order)", tc.name, i+1, res.ID, c.ID())
			case c.ID() == ran.ID && res.Status != verdict.Passed:
				t.Errorf("%s: %s is %s, want the verdict it got", tc.name, c.ID(), res.Status)
			case c.ID() != ran.ID && (res.Status != verdict.Skipped || res.Observed != tc.why):
				t.Errorf("%s: %s is %s %q, want skipped saying %q", tc.name, c.ID(), res.Status, res.Observed, tc.why)
			}
		}
	}
}

// TestSetupErrorIsTheReport: a target that never came up gives a report
// whose setup/target is errored with the error and whose cases say why
// they did not run, with exit code 2.
func TestSetupErrorIsTheReport(t *testing.T) {
	cases, err := scenarios.Select("^layout/")
	if err != nil {
		t.Fatal(err)
	}
	s := Setup{Label: "kube", Cases: cases, Profile: verdict.Full, Began: time.Now(), Err: errors.New("open the Cluster: not found")}
	r := Begin(context.Background(), s, quiet{})
	r.Execute(context.Background())
	out, err := r.Finish(context.Background(), t.TempDir(), "unused")
	if err != nil {
		t.Fatal(err)
	}
	if out.Code != 2 || len(out.Leaks()) != 0 {
		t.Errorf("exit %d, leaks %v; want 2 and none", out.Code, out.Leaks())
	}
	setup := out.Run.Results[0]
	if setup.ID != SetupCase || setup.Status != verdict.Errored || !strings.Contains(setup.Observed, "not found") {
		t.Errorf("setup/target: %s %q", setup.Status, setup.Observed)
	}
	if len(out.Run.Results) != len(cases)+1 {
		t.Errorf("%d results, want setup/target and %d cases", len(out.Run.Results), len(cases))
	}
	if p := out.Run.Properties; p["rocketmq.version.requested"] == "" || p["profile"] != "full" || p["mode"] != "default" {
		t.Errorf("properties %v: want the requested version, profile and mode", p)
	}
}

// TestLeaksAreTheLateFailures: only a late result that failed or errored
// is a leak.
func TestLeaksAreTheLateFailures(t *testing.T) {
	o := Outcome{Late: []verdict.Result{
		{ID: "accounts/no-leak", Status: verdict.Failed},
		{ID: "a/passed", Status: verdict.Passed},
		{ID: "a/errored", Status: verdict.Errored},
	}}
	if got := o.Leaks(); len(got) != 2 || got[0].ID != "accounts/no-leak" || got[1].ID != "a/errored" {
		t.Errorf("leaks %v", got)
	}
}
