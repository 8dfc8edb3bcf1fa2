package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/rmqkb/conformance/internal/kube"
	"github.com/rmqkb/conformance/internal/testenv"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

var (
	createKind  = flag.Bool("create-kind", false, "create a kind cluster with KubeBlocks, the addon and the Cluster first, and delete it afterwards (needs a Docker engine)")
	clusterName = flag.String("cluster", "", "name of the Cluster (default: the manifest's)")
	reportsDir  = flag.String("reports", "", "also write junit.xml, summary.md and summary.json here")
	keep        = flag.Bool("keep", false, "with --create-kind, keep the kind cluster")
	// With --create-kind, as on `go run . e2e`:
	nodeImage       = flag.String("kind-node-image", "", "kind node image, pinned by digest (default: versions.yaml's)")
	registryMirror  = flag.String("registry-mirror", "", "HOST:PORT of a registry the kind nodes pull through (as `go run . images` fills it)")
	addonChart      = flag.String("addon-chart", "", "install the addon from this chart folder")
	kubeBlocksChart = flag.String("kubeblocks-chart", "", "install KubeBlocks from this chart folder")
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
	// The environment is set up on first use (h.ready), by the tests that
	// need it, so `go test -list` or a -run that selects none of them
	// starts nothing. Setup never fails the run: e2e-framework would exit
	// before any test and leave an empty report. TestSetup reports what
	// went wrong instead.
	h.cfg = cfg
	tenv.Finish(h.finish)
	testEnv = tenv
	code := tenv.Run(m)
	// accounts/no-leak is judged on the reports as written, after every
	// assessment: it can still fail the run.
	if h.leak != nil && code == 0 {
		fmt.Fprintf(os.Stderr, "--- FAIL: accounts/no-leak (judged on the written reports)\n    %s\n", h.leak.Observed)
		code = 1
	}
	os.Exit(code)
}

var testEnv env.Environment

// harness holds the target the features run on.
type harness struct {
	cfg      *envconf.Config
	once     sync.Once
	set      bool   // setup ran
	mode     string // kubeconfig, kind or envtest
	setupErr error
	began    time.Time
	target   *kube.Target
	session  *scenarios.Session // one per run, so a fault shared by several cases is injected once
	api      *testenv.APIServer
	down     func(context.Context) error
	scratch  string // a folder the harness made and removes
	results  []verdict.Result
	leak     *verdict.Result // accounts/no-leak, when it failed on the written reports
}

// ready sets the environment up the first time a test needs it.
func (h *harness) ready(ctx context.Context) {
	h.once.Do(func() {
		h.set = true
		h.setup(ctx, h.cfg)
	})
}

func (h *harness) setup(ctx context.Context, cfg *envconf.Config) {
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
		return
	}
	if restCfg == nil {
		return // -short: nothing to run against
	}
	if h.mode == "envtest" {
		ns = "e2e"
	}
	settle := 10 * time.Second
	if h.mode == "envtest" {
		settle = 200 * time.Millisecond
	}
	t, err := kube.New(ctx, restCfg, ns, name, kube.WithRoleSettle(settle))
	if err != nil {
		h.setupErr = err
		return
	}
	if err := t.AwaitStableRoles(ctx); err != nil {
		h.setupErr = err
		return
	}
	h.target, h.session = t, scenarios.NewSession(t, scenarios.WithRecreationAllowance(kube.RecreationAllowance))
}

func (h *harness) finish(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	if h.set && h.mode != "short" {
		h.writeReports(ctx)
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

// writeReports writes the same reports `go run .` writes, through the
// same reports.Complete, with a setup testcase first: into --reports, or
// into a folder of the harness's own, since accounts/no-leak judges what a
// run really wrote.
func (h *harness) writeReports(ctx context.Context) {
	dir := *reportsDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "e2e-reports-"); err != nil {
			fmt.Fprintf(os.Stderr, "write reports: %v\n", err)
			return
		}
		h.scratch = dir
	}
	run := verdict.Run{Target: "kube (e2e-framework, " + h.mode + ")", Version: manifests.DefaultCluster().Broker.ServiceVersion,
		SuiteVersion: "e2e", Started: h.began, Duration: time.Since(h.began),
		Results: append([]verdict.Result{reports.Setup("setup/target", "The e2e environment is ready ("+h.mode+").", 0, h.setupErr, "")}, everyCase(h.results)...)}
	f := reports.Finish{Dir: dir}
	if h.target != nil {
		run.Topology = h.target.Topology()
		f.Secrets, f.Collect = h.target.Secrets, h.target.CollectDiagnostics
		if v, err := scenarios.ServerVersion(ctx, h.target); err == nil {
			run.Version = v
		}
	}
	run, _, err := reports.Complete(ctx, run, f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "write reports: %v\n", err)
		return
	}
	for _, r := range run.Results {
		if r.Case == verdict.NoLeakCase && r.Status != verdict.Passed && r.Status != verdict.Skipped {
			h.leak = &r
		}
	}
}

// everyCase is results with every case of the contract they lack added
// as skipped, saying it was not run: a report lists every suite, whatever
// the flags selected or the setup allowed.
func everyCase(results []verdict.Result) []verdict.Result {
	seen := map[string]bool{}
	for _, r := range results {
		seen[r.ID] = true
	}
	var missing []scenarios.Case
	for _, c := range scenarios.All() {
		if !seen[c.ID()] {
			missing = append(missing, c)
		}
	}
	return append(results, scenarios.NotRun(missing, "not run: its feature was not selected (--labels, --skip-labels, --assess, -run) or the setup failed; see setup/target")...)
}
