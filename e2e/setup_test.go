package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/types"

	"github.com/rmqkb/conformance/internal/lifecycle"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/runner"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/verdict"
)

// setUp is the BeforeEachTest of TestConformance: it runs the setup steps
// in order, stopping at the first error, and begins the run on what they
// gave, so a broken environment is itself a testcase (setup/target) and a
// report is never empty. The finish steps are a cleanup of the test: they
// write the reports and release what the steps took even when a step
// failed. The error is then returned the e2e-framework way, which fails
// the test before any feature.
func setUp(m mode, steps []env.Func, finish []env.Func) types.TestEnvFunc {
	return func(ctx context.Context, cfg *envconf.Config, t *testing.T) (context.Context, error) {
		began := time.Now()
		ctx, err := inOrder(ctx, cfg, steps)
		r := runner.Begin(ctx, setupOf(ctx, cfg, m, began, err), logProgress{t})
		ctx = context.WithValue(ctx, runKey{}, r)
		t.Cleanup(func() {
			if err := all(ctx, cfg, finish); err != nil {
				t.Error(err)
			}
		})
		if err != nil {
			return ctx, fmt.Errorf("%s (%s): %w", runner.SetupCase, m, err)
		}
		return ctx, nil
	}
}

// inOrder runs steps until one fails, returning the context as far as it
// got, so the finish steps find what the steps before the failure took.
func inOrder(ctx context.Context, cfg *envconf.Config, steps []env.Func) (context.Context, error) {
	for _, step := range steps {
		next, err := step(ctx, cfg)
		if next != nil {
			ctx = next
		}
		if err != nil {
			return ctx, err
		}
	}
	return ctx, nil
}

// all runs every step, whatever fails, and joins their errors: a
// teardown step must run even when writing the reports did not.
func all(ctx context.Context, cfg *envconf.Config, steps []env.Func) error {
	var errs []error
	for _, step := range steps {
		next, err := step(ctx, cfg)
		if next != nil {
			ctx = next
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// clusterNameOf is the namespace and name of the Cluster the features check:
// the manifest's, unless --namespace or --cluster say otherwise.
func clusterNameOf(cfg *envconf.Config, m mode) (ns, name string) {
	c := manifests.DefaultCluster()
	ns, name = c.Namespace, c.Name
	if cfg.Namespace() != "" {
		ns = cfg.Namespace()
	}
	if m == modeEnvtest {
		ns = envtestNamespace
	}
	if *clusterName != "" {
		name = *clusterName
	}
	return ns, name
}

// openTarget is the setup step that finds the Cluster and its shards.
func openTarget(m mode) env.Func {
	return func(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
		ns, name := clusterNameOf(cfg, m)
		settle := 10 * time.Second
		if m == modeEnvtest {
			settle = 200 * time.Millisecond // fixtures' labels never move
		}
		t, err := kube.New(ctx, restOf(ctx), ns, name, kube.WithRoleSettle(settle))
		if err != nil {
			return ctx, fmt.Errorf("open the Cluster: %w", err)
		}
		return context.WithValue(ctx, targetKey{}, t), nil
	}
}

// setupOf is what the steps gave, for the runner: the Cluster as
// `run --target kube` describes it, every case of the contract as the
// selection (the framework's filters choose among them), the full profile
// as `go run . e2e` runs it.
func setupOf(ctx context.Context, cfg *envconf.Config, m mode, began time.Time, err error) runner.Setup {
	topo := manifests.DefaultCluster().Topology()
	topo.Namespace, topo.Cluster = clusterNameOf(cfg, m)
	s := runner.Setup{Label: "kube", Topology: topo, Cases: scenarios.All(), Profile: verdict.Full, Began: began, Err: err}
	if t := targetOf(ctx); t != nil && err == nil {
		s.Target = runner.Kube(t, restOf(ctx))
		if o, ok := kindOf(ctx); ok {
			kubeCollect := s.Target.Collect
			s.Target.Collect = func(ctx context.Context, dir string) error {
				return errors.Join(kubeCollect(ctx, dir), lifecycle.Diagnose(ctx, o, dir))
			}
		}
	}
	return s
}
