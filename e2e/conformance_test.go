package e2e

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/rmqkb/conformance/runner"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// TestConformance is the harness: the environment set up before the
// features (setUp, a BeforeEachTest of env.Funcs), a feature per suite
// with an assessment per case, and the reports written and everything
// torn down once they ran. A setup that fails fails this test and leaves
// setup/target errored in the report.
func TestConformance(t *testing.T) {
	cfg, err := envconf.NewFromFlags()
	if err != nil {
		t.Fatalf("e2e-framework flags: %v", err)
	}
	m := modeOf(cfg)
	if m == modeShort {
		t.Skip("-short: no control plane started")
	}
	dir := *reportsDir
	if dir == "" {
		dir = t.TempDir()
	}
	steps := []env.Func{connect(m), openTarget(m)}
	e := env.NewWithConfig(cfg).BeforeEachTest(setUp(m, steps, finishSteps(dir)))
	e.Test(t, suiteFeatures(m)...)
}

// objectSuite says whether a fixture-only API server can judge suite; it
// has no RocketMQ processes behind its pods.
func objectSuite(suite string) bool {
	return suite == "cluster" || suite == "layout" || suite == "accounts"
}

// suiteFeatures is a feature per suite, labelled suite=<name>, with an
// assessment per case.
func suiteFeatures(m mode) []features.Feature {
	var feats []features.Feature
	for _, cases := range scenarios.BySuite(scenarios.All()) {
		suite := cases[0].Suite
		skip := ""
		if m == modeEnvtest && !objectSuite(suite) {
			skip = "the local control plane holds objects only; RocketMQ suites need --kubeconfig or --create-kind"
		}
		f := features.New(suite).WithLabel("suite", suite).
			Setup(prepare(cases, skip)).
			Teardown(release(cases))
		for _, c := range cases {
			f = f.Assess(c.Name, assess(c, skip))
		}
		feats = append(feats, f.Feature())
	}
	return feats
}

// prepare is a suite's Setup: the run performs, once, each fault several
// of the suite's cases judge, for the cases the framework will assess.
func prepare(cases []scenarios.Case, skip string) features.Func {
	return func(ctx context.Context, t *testing.T, cfg *envconf.Config) context.Context {
		if r := runOf(ctx); r != nil && r.SetupErr() == nil && skip == "" {
			r.Prepare(ctx, assessed(cfg, cases))
		}
		return ctx
	}
}

// release is a suite's Teardown: the faults its Setup performed are let
// go.
func release(cases []scenarios.Case) features.Func {
	return func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
		if r := runOf(ctx); r != nil {
			r.Release(cases)
		}
		return ctx
	}
}

// assessed is the cases the framework's -assess and -skip-assessment
// filters let run, so a suite's setup performs no fault only a filtered
// case would judge.
func assessed(cfg *envconf.Config, cases []scenarios.Case) []scenarios.Case {
	var out []scenarios.Case
	for _, c := range cases {
		if rx := cfg.AssessmentRegex(); rx != nil && !rx.MatchString(c.Name) {
			continue
		}
		if rx := cfg.SkipAssessmentRegex(); rx != nil && rx.MatchString(c.Name) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// assess wraps one case: the runner runs and records it, and its verdict
// becomes the assessment's. A case the harness cannot run here (skip) is
// recorded as skipped with why.
func assess(c scenarios.Case, skip string) features.Func {
	return func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
		r := runOf(ctx)
		switch {
		case r == nil:
			t.Skip("no run: the setup did not run (dry run)")
		case r.SetupErr() != nil:
			t.Skip("setup failed; see " + runner.SetupCase)
		case skip != "":
			r.NotRun([]scenarios.Case{c}, skip)
			t.Skip(skip)
		}
		res := r.Case(ctx, c)
		for _, e := range res.Evidence {
			t.Log(e)
		}
		switch res.Status {
		case verdict.Failed, verdict.Errored:
			t.Errorf("%s %s\npromised: %s\nobserved: %s", c.ID(), res.Status, c.Promise, strings.TrimSpace(res.Observed))
		case verdict.Skipped:
			t.Skip(res.Observed)
		case verdict.Pending:
			t.Logf("%s is judged once the reports are written, after every assessment; a leak fails the test", c.ID())
		}
		return ctx
	}
}
