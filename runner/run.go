package runner

import (
	"context"
	"sync"
	"time"

	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// Progress receives what a run has to tell as it goes: a line per step,
// and each case as it starts and ends.
type Progress interface {
	CaseStarted(c scenarios.Case)
	CaseDone(r verdict.Result)
	Printf(format string, args ...any)
}

// notSetUp is why the cases of a run whose target never came up did not
// run.
const notSetUp = "not run: the target could not be set up (see setup/target)"

// Run is a run under way: its setup testcase, its properties and the
// results of its cases so far. Its methods may be called from the
// harness's assessments, one at a time or not.
type Run struct {
	setup   Setup
	pr      Progress
	session *scenarios.Session // nil when the target did not come up

	mu  sync.Mutex
	run verdict.Run // Results holds setup/target and the cases recorded so far
}

// Begin starts the run on what setting the target up gave: setup/target,
// the run's properties and, when the target is up, the version its
// brokers report and one Session for every case, so a fault shared by
// several cases is injected once.
func Begin(ctx context.Context, s Setup, pr Progress) *Run {
	setup := s.setupResult(time.Since(s.Began))
	requested := s.Requested
	if requested == "" {
		requested = manifests.DefaultVersions().RocketMQ.Server
	}
	r := &Run{setup: s, pr: pr, run: verdict.Run{
		Target: s.Label, Topology: s.Topology, SuiteVersion: SuiteVersion(), Started: s.Began,
		Properties: map[string]string{"rocketmq.version.requested": requested, "profile": string(s.Profile)},
	}}
	if s.Target != nil && s.Err == nil {
		r.run.Topology = s.Target.Topology()
		pr.Printf("%s", r.run.Topology)
		for k, v := range s.Target.Props {
			r.run.Properties[k] = v
		}
		r.session = scenarios.NewSession(s.Target.Target, scenarios.WithProfile(s.Profile), scenarios.WithRecreationAllowance(s.Target.Recreation), scenarios.WithStartupAllowance(s.Target.Startup), scenarios.WithProgress(pr.Printf), scenarios.WithSelection(s.Cases))
	}
	r.run.Properties["mode"] = r.run.Topology.Mode.String()
	pr.CaseDone(setup)
	if setup.LogTail != "" {
		pr.Printf("the log's last lines:\n%s", setup.LogTail)
	}
	r.run.Results = []verdict.Result{setup}
	return r
}

// SetupErr is why the target could not be set up, nil when it is up.
func (r *Run) SetupErr() error { return r.setup.Err }

// Execute runs every case of the selection, in order, a suite at a time:
// the commands' way. Each suite is set up (Prepare) and torn down
// (Release) around its cases, as the harness's features are.
func (r *Run) Execute(ctx context.Context) {
	if r.session == nil {
		return
	}
	for _, suite := range scenarios.BySuite(r.setup.Cases) {
		r.Prepare(ctx, suite)
		for _, c := range suite {
			r.Case(ctx, c)
		}
		r.Release(suite)
	}
}

// Prepare is a suite's setup: it performs, once, each run several of its
// cases judge (a fault), before any of them, so each judges the same
// record.
func (r *Run) Prepare(ctx context.Context, cases []scenarios.Case) {
	if r.session == nil {
		return
	}
	steps := r.session.Prepare(ctx, cases, r.pr.Printf)
	r.mu.Lock()
	r.run.Steps = append(r.run.Steps, steps...)
	r.mu.Unlock()
}

// Release is a suite's teardown: the runs Prepare performed are let go.
func (r *Run) Release(cases []scenarios.Case) {
	if r.session != nil {
		r.session.Release(cases)
	}
}

// Case runs one case and records its result: the harness's way, one case
// per assessment, for its framework decides which cases run.
func (r *Run) Case(ctx context.Context, c scenarios.Case) verdict.Result {
	if r.session == nil {
		res := scenarios.NotRun([]scenarios.Case{c}, notSetUp)[0]
		r.record(res)
		return res
	}
	r.pr.CaseStarted(c)
	res := r.session.Run(ctx, c)
	r.pr.CaseDone(res)
	r.record(res)
	return res
}

// NotRun records cases as skipped, saying why, without running them.
func (r *Run) NotRun(cases []scenarios.Case, why string) {
	r.record(scenarios.NotRun(cases, why)...)
}

func (r *Run) record(res ...verdict.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.run.Results = append(r.run.Results, res...)
}
