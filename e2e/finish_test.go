package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/rmqkb/conformance/internal/lifecycle"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// unselected is why a case of the contract did not run although the
// target was up: the framework's filters left its assessment out.
const unselected = "its feature was not selected (--labels, --skip-labels, --assess, -run)"

// finishSteps write the reports into dir and then release what the setup
// steps took, in reverse order of taking it.
func finishSteps(dir string) []env.Func {
	return []env.Func{writeReports(dir), closeTarget, stopAPIServer, downKind}
}

// writeReports writes the same reports `go run .` writes, through the
// runner: into --reports, or into a folder of the test's own, since
// accounts/no-leak judges what a run really wrote. A leak found there
// fails the test: it is judged after every assessment.
func writeReports(dir string) env.Func {
	return func(ctx context.Context, _ *envconf.Config) (context.Context, error) {
		r := runOf(ctx)
		if r == nil {
			return ctx, nil // dry run: no setup, nothing to report
		}
		out, err := r.Finish(ctx, dir, unselected)
		if err != nil {
			return ctx, err
		}
		var errs []error
		for _, l := range out.Leaks() {
			errs = append(errs, fmt.Errorf("%s %s (judged on the written reports): %s", l.ID, l.Status, strings.TrimSpace(l.Observed)))
		}
		return ctx, errors.Join(errs...)
	}
}

func closeTarget(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	if t := targetOf(ctx); t != nil {
		if err := t.Close(); err != nil {
			return ctx, fmt.Errorf("close the target: %w", err)
		}
	}
	return ctx, nil
}

func stopAPIServer(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	if a := apiOf(ctx); a != nil {
		if err := a.Stop(); err != nil {
			return ctx, fmt.Errorf("stop the local control plane: %w", err)
		}
	}
	return ctx, nil
}

// downKind removes the kind cluster the setup brought up, unless --keep.
func downKind(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	o, ok := kindOf(ctx)
	if !ok || *keep {
		return ctx, nil
	}
	if err := lifecycle.Down(context.WithoutCancel(ctx), o); err != nil {
		return ctx, fmt.Errorf("tear down kind: %w", err)
	}
	return ctx, nil
}

// logProgress tells the run's steps and verdicts in the test's log.
type logProgress struct{ t *testing.T }

func (p logProgress) Printf(format string, args ...any) { p.t.Logf(format, args...) }

func (logProgress) CaseStarted(scenarios.Case) {}

func (p logProgress) CaseDone(r verdict.Result) {
	p.t.Logf("%s %s (%s)", r.Status, r.ID, r.Duration.Round(10*time.Millisecond))
}
