package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/rmqkb/conformance/internal/kube"
	"github.com/rmqkb/conformance/internal/testenv"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
)

var (
	createKind  = flag.Bool("create-kind", false, "create a kind cluster with KubeBlocks, the addon and the Cluster first, and delete it afterwards (needs a Docker engine)")
	clusterName = flag.String("cluster", "", "name of the Cluster (default: the manifest's)")
	reportsDir  = flag.String("reports", "", "also write junit.xml, summary.md and summary.json here")
	keep        = flag.Bool("keep", false, "with --create-kind, keep the kind cluster")
)

// h is the harness state the env funcs and features share.
var h = &harness{}

func TestMain(m *testing.M) {
	cfg, err := envconf.NewFromFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tenv := env.NewWithConfig(cfg)
	// Setup never fails the run: e2e-framework would exit before any test
	// and leave an empty report. TestSetup reports what went wrong instead.
	tenv.Setup(h.setup)
	tenv.Finish(h.finish)
	testEnv = tenv
	os.Exit(tenv.Run(m))
}

var testEnv env.Environment

// harness holds the target the features run on.
type harness struct {
	mode     string // kubeconfig, kind or envtest
	setupErr error
	began    time.Time
	target   *kube.Target
	api      *testenv.APIServer
	down     func(context.Context) error
	scratch  string // a folder the harness made and removes
	results  []scenarios.Result
}

func (h *harness) setup(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
	h.began = time.Now()
	m := manifests.DefaultCluster()
	ns, name := m.Namespace, m.Name
	if cfg.Namespace() != "" {
		ns = cfg.Namespace()
	}
	if *clusterName != "" {
		name = *clusterName
	}
	restCfg, err := h.connect(ctx, cfg, m)
	if err != nil {
		h.setupErr = err
		return ctx, nil
	}
	if restCfg == nil {
		return ctx, nil // -short: nothing to run against
	}
	if h.mode == "envtest" {
		ns = "e2e"
	}
	settle := 10 * time.Second
	if h.mode == "envtest" {
		settle = 200 * time.Millisecond
	}
	// accounts/no-leak searches what this run writes: the reports folder,
	// or a folder of its own when there is none.
	out := *reportsDir
	if out == "" {
		if out, err = os.MkdirTemp("", "e2e-outputs-"); err != nil {
			h.setupErr = err
			return ctx, nil
		}
		h.scratch = out
	}
	t, err := kube.New(ctx, restCfg, ns, name, m.Topology(), kube.WithRoleSettle(settle), kube.WithOutputDirs(out))
	if err != nil {
		h.setupErr = err
		return ctx, nil
	}
	if err := t.AwaitStableRoles(ctx); err != nil {
		h.setupErr = err
		return ctx, nil
	}
	h.target = t
	return ctx, nil
}

func (h *harness) finish(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	if *reportsDir != "" {
		h.writeReports()
	}
	if h.target != nil {
		h.target.Close()
	}
	if h.api != nil {
		h.api.Stop()
	}
	if h.scratch != "" {
		os.RemoveAll(h.scratch)
	}
	if h.down != nil && !*keep {
		if err := h.down(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "teardown: %v\n", err)
		}
	}
	return ctx, nil
}

// writeReports writes the same reports `go run .` writes, with a setup
// testcase first.
func (h *harness) writeReports() {
	topo := scenarios.Topology{}
	if h.target != nil {
		topo = h.target.Topology()
	}
	setup := scenarios.Result{ID: "setup/target", Suite: "setup", Case: "target", Status: scenarios.Passed,
		Promise: "The e2e environment is ready (" + h.mode + ")."}
	if h.setupErr != nil {
		setup.Status, setup.Observed = scenarios.Errored, h.setupErr.Error()
	}
	run := scenarios.Run{Target: "kube (e2e-framework, " + h.mode + ")", Version: manifests.DefaultCluster().Broker.ServiceVersion,
		Topology: topo, SuiteVersion: "e2e", Started: h.began, Duration: time.Since(h.began),
		Results: append([]scenarios.Result{setup}, h.results...)}
	if _, err := reports.Write(*reportsDir, run); err != nil {
		fmt.Fprintf(os.Stderr, "write reports: %v\n", err)
	}
}
