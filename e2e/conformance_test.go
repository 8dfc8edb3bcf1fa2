package e2e

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// TestSetup is the setup testcase: it fails with the setup error, so a
// broken environment never yields an empty report.
func TestSetup(t *testing.T) {
	h.ready(context.Background())
	if h.mode == "short" {
		t.Skip("-short: no control plane started")
	}
	if h.setupErr != nil {
		t.Fatalf("setup (%s): %v", h.mode, h.setupErr)
	}
	t.Logf("target ready: %s, %+v", h.mode, h.target.Topology())
}

// objectSuites are the suites a fixture-only API server can judge; it has
// no RocketMQ processes behind its pods.
var objectSuites = map[string]bool{"layout": true, "accounts": true}

// TestConformance runs every case as an assessment of its suite's feature.
func TestConformance(t *testing.T) {
	h.ready(context.Background())
	if h.mode == "short" {
		t.Skip("-short: no control plane started")
	}
	if h.setupErr != nil {
		t.Skip("setup failed; see TestSetup")
	}
	var feats []features.Feature
	for _, suite := range verdict.Suites {
		f := features.New(suite).WithLabel("suite", suite)
		if h.mode == "envtest" && !objectSuites[suite] {
			f = f.Assess("skipped", skipSuite(suite, "the local control plane holds objects only; RocketMQ suites need --kubeconfig or --create-kind"))
			feats = append(feats, f.Feature())
			continue
		}
		for _, c := range scenarios.All() {
			if c.Suite != suite {
				continue
			}
			f = f.Assess(c.Name, assess(c))
		}
		feats = append(feats, f.Feature())
	}
	testEnv.Test(t, feats...)
}

// skipSuite is the assessment of a suite the harness cannot run here: it
// skips, and every case of the suite is in the report as skipped with why.
func skipSuite(suite, why string) func(context.Context, *testing.T, *envconf.Config) context.Context {
	return func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
		var cases []scenarios.Case
		for _, c := range scenarios.All() {
			if c.Suite == suite {
				cases = append(cases, c)
			}
		}
		h.results = append(h.results, scenarios.NotRun(cases, why)...)
		t.Skip(why)
		return ctx
	}
}

// assess wraps one case: its verdict becomes the assessment's.
func assess(c scenarios.Case) func(context.Context, *testing.T, *envconf.Config) context.Context {
	return func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
		r := h.session.Run(ctx, c)
		h.results = append(h.results, r)
		for _, e := range r.Evidence {
			t.Log(e)
		}
		switch r.Status {
		case verdict.Failed, verdict.Errored:
			t.Errorf("%s %s\npromised: %s\nobserved: %s", c.ID(), r.Status, c.Promise, strings.TrimSpace(r.Observed))
		case verdict.Skipped:
			t.Skip(r.Observed)
		case verdict.Pending:
			t.Logf("%s is judged once the reports are written, after every assessment; a leak fails the run", c.ID())
		}
		return ctx
	}
}
