package runner

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// Outcome is a run as reported and its exit code.
type Outcome struct {
	Run  verdict.Run
	Code int
	// Late are the results judged on the reports as written, after every
	// case (accounts/no-leak), when they were judged at all.
	Late []verdict.Result
}

// Leaks are the late results that failed or errored: what the written
// reports hold that no case could see. The one test of a leak every
// caller shares.
func (o Outcome) Leaks() []verdict.Result {
	var out []verdict.Result
	for _, r := range o.Late {
		if r.Status == verdict.Failed || r.Status == verdict.Errored {
			out = append(out, r)
		}
	}
	return out
}

// Finish lists every case of the selection (those not run as skipped,
// saying why: unselected, or the target not set up), orders the results
// as the selection is, and writes the reports into dir through
// reports.Complete: redacted with the target's secrets, diagnostics
// collected when the run did not pass, accounts/no-leak judged on the
// files as written. unselected is why a case of the selection did not
// run when the target was up: only a harness whose framework filters
// cases has such cases.
func (r *Run) Finish(ctx context.Context, dir, unselected string) (Outcome, error) {
	if r.session != nil {
		// Asked at the end, not at the start: the brokers the platform
		// brings up after setup (cluster/ready waits for them) are there.
		v := serverVersion(ctx, r.setup.Target, r.run.Properties)
		r.mu.Lock()
		r.run.Version = v
		r.mu.Unlock()
	}
	run := r.assembled(unselected)
	pending := map[string]bool{}
	for _, res := range run.Results {
		if res.Status == verdict.Pending {
			pending[res.ID] = true
		}
	}
	t := r.setup.Target
	collect := t.collect()
	if t == nil {
		collect = r.setup.Collect
	}
	run, code, err := reports.Complete(ctx, run, reports.Finish{Dir: dir, Secrets: t.secrets(), Collect: collect, Progress: r.pr.Printf})
	if err != nil {
		return Outcome{Run: run, Code: 2}, fmt.Errorf("write the reports: %w", err)
	}
	out := Outcome{Run: run, Code: code}
	for _, res := range run.Results {
		if pending[res.ID] && res.Status != verdict.Pending {
			out.Late = append(out.Late, res)
			r.pr.CaseDone(res)
		}
	}
	n := run.Counts()
	r.pr.Printf("%d passed, %d failed, %d skipped, %d errored in %s; reports in %s",
		n[verdict.Passed], n[verdict.Failed], n[verdict.Skipped], n[verdict.Errored], run.Duration.Round(100*time.Millisecond), dir)
	return out, nil
}

// assembled is the run as it goes into the reports: setup/target first,
// then every case of the selection in the selection's order, those that
// did not run skipped with why.
func (r *Run) assembled(unselected string) verdict.Run {
	r.mu.Lock()
	run := r.run
	run.Results = slices.Clone(r.run.Results)
	run.Steps = slices.Clone(r.run.Steps)
	r.mu.Unlock()
	run.Duration = time.Since(run.Started)
	why := notSetUp
	if r.session != nil {
		why = "not run: " + unselected
	}
	setup, cases := run.Results[0], run.Results[1:]
	by := map[string]verdict.Result{}
	for _, res := range cases {
		by[res.ID] = res
	}
	run.Results = []verdict.Result{setup}
	for _, c := range r.setup.Cases {
		res, ok := by[c.ID()]
		if !ok {
			res = scenarios.NotRun([]scenarios.Case{c}, why)[0]
		}
		run.Results = append(run.Results, res)
		delete(by, c.ID())
	}
	for _, res := range cases { // recorded outside the selection: kept, never lost
		if _, ok := by[res.ID]; ok {
			run.Results = append(run.Results, res)
			delete(by, res.ID)
		}
	}
	return run
}
