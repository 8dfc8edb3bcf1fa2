package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/rmqkb/conformance/internal/dist"

	"github.com/rmqkb/conformance/internal/usage"

	"github.com/rmqkb/conformance/internal/lifecycle"
	"github.com/rmqkb/conformance/internal/mirror"
	"github.com/rmqkb/conformance/internal/topology"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/verdict"
)

// lifecycleFlags are the flags of e2e, up and down.
type lifecycleFlags struct {
	name            string
	nodeImage       string
	kubeblocks      string
	addon           string
	kubeblocksChart string
	addonChart      string
	mirror          string
	noRoutes        bool
}

func (l *lifecycleFlags) register(fs *flagSet) {
	v := manifests.DefaultVersions()
	fs.StringVar(&l.name, "name", "rmqkb", "name of the kind cluster")
	fs.StringVar(&l.nodeImage, "kind-node-image", v.Kind.NodeImage, "kind node image, pinned by digest")
	fs.StringVar(&l.kubeblocks, "kubeblocks-version", v.KubeBlocks.Version, "KubeBlocks chart version")
	fs.StringVar(&l.addon, "addon-version", v.Addon.Version, "rocketmq addon chart version")
	fs.StringVar(&l.kubeblocksChart, "kubeblocks-chart", "", "install KubeBlocks from this chart folder (default: deploy/helm of its Go module at --kubeblocks-version)")
	fs.StringVar(&l.addonChart, "addon-chart", "", "install the addon from this chart folder, e.g. addons/rocketmq of a kubeblocks-addons checkout; file:// dependencies are read beside it (default: the chart repository at --addon-version)")
	fs.StringVar(&l.mirror, "registry-mirror", "", "HOST:PORT of a registry the kind nodes pull docker.io, registry.k8s.io and apecloud's registry through, each under a path prefix named for it (as `go run . images` fills it)")
	fs.BoolVar(&l.noRoutes, "no-routes", false, "do not add routes to the pod network through the kind nodes (the RocketMQ suites then need an in-cluster run)")
}

// check validates the flags that name inputs, before anything starts.
func (l *lifecycleFlags) check() error {
	for _, c := range []struct{ flag, dir string }{{"--kubeblocks-chart", l.kubeblocksChart}, {"--addon-chart", l.addonChart}} {
		if c.dir == "" {
			continue
		}
		if _, err := lifecycle.LoadChartDir(c.dir); err != nil {
			return usage.Errorf("%s %s: expected a Helm chart folder: %v", c.flag, c.dir, err)
		}
	}
	if l.mirror != "" {
		if err := mirror.Check(l.mirror); err != nil {
			return usage.Errorf("--registry-mirror: %v", err)
		}
	}
	return nil
}

// options turns the flags into lifecycle options for the manifest m.
func (l *lifecycleFlags) options(m manifests.Cluster, progress io.Writer) (lifecycle.Options, error) {
	v := manifests.DefaultVersions()
	v.Kind.NodeImage, v.KubeBlocks.Version, v.Addon.Version = l.nodeImage, l.kubeblocks, l.addon
	cache, err := dist.CacheDir()
	if err != nil {
		return lifecycle.Options{}, err
	}
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	return lifecycle.Options{Name: l.name, Versions: v, Cluster: m, StateDir: filepath.Join(cache, "e2e", l.name),
		Progress: progress, AddRoutes: !l.noRoutes, Host: lifecycle.DetectHost(), Mirror: l.mirror,
		KubeBlocksChart: abs(l.kubeblocksChart), AddonChart: abs(l.addonChart)}, nil
}

// e2eCommand is the whole lifecycle: kind up, KubeBlocks and the addon
// installed, the Cluster created, every suite run on it, diagnostics on
// failure, and everything torn down unless --keep.
func e2eCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var f runFlags
	var l lifecycleFlags
	fs := newFlagSet("e2e", stderr)
	f.profile = string(verdict.Full) // nightly runs want the whole contract
	f.registerCommon(fs)
	l.register(fs)
	// Not f.keep, which keeps a local topology's folders and is refused
	// with any other target.
	var keep bool
	fs.BoolVar(&keep, "keep", false, "keep the kind cluster after the run")
	f.roleSettle = 10 * time.Second
	registerReady(fs, &f)
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	if err := l.check(); err != nil {
		return ExitSetup, err
	}
	f.target, f.reshapes = "kube", true
	p, err := checkRun(f)
	if err != nil {
		return ExitSetup, err
	}
	p.start = func(ctx context.Context, p plan, progress io.Writer) (*started, error) {
		o, err := l.options(p.manifest, progress)
		if err != nil {
			return nil, err
		}
		env, err := lifecycle.Up(ctx, o)
		if err != nil {
			// What did come up (a kind node whose kubeadm failed, a
			// Cluster that never ran) is diagnosed into the report, then
			// undone: nothing may be left behind.
			failed := &started{close: func() error {
				if keep {
					return nil
				}
				if derr := lifecycle.Down(context.Background(), o); derr != nil {
					return fmt.Errorf("teardown after a failed setup: %w", derr)
				}
				return nil
			}}
			failed.Collect = func(ctx context.Context, dir string) error { return lifecycle.Diagnose(ctx, o, dir) }
			return failed, err
		}
		p.flags.kubeconfig = env.Kubeconfig
		st, err := startKube(ctx, p, progress)
		teardown := func() error {
			if keep {
				fmt.Fprintf(progress, "kept kind cluster %s; kubeconfig %s; `go run . down --name %s` removes it\n", o.Name, env.Kubeconfig, o.Name)
				return nil
			}
			return lifecycle.Down(context.Background(), o)
		}
		if err != nil {
			return nil, errors.Join(err, teardown())
		}
		kubeCollect, kubeClose := st.Collect, st.close
		st.Collect = func(ctx context.Context, dir string) error {
			return errors.Join(kubeCollect(ctx, dir), lifecycle.Diagnose(ctx, o, dir))
		}
		st.close = func() error { return errors.Join(kubeClose(), teardown()) }
		return st, nil
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout+30*time.Minute) // bringing kind up takes its own time
	defer cancel()
	return execute(ctx, p, stdout)
}

// upCommand brings the lifecycle up and leaves it, for running the suite
// (or anything else) against it by hand.
func upCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var l lifecycleFlags
	var manifest string
	var sh shapeFlags
	var mode topology.Mode
	fs := newFlagSet("up", stderr)
	l.register(fs)
	fs.StringVar(&manifest, "manifest", "", "Cluster manifest (default: the embedded one)")
	sh.register(fs)
	registerMode(fs, &mode, " for the Cluster", " for the Cluster")
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	if err := l.check(); err != nil {
		return ExitSetup, err
	}
	m := manifests.DefaultCluster()
	if manifest != "" {
		var err error
		if m, err = manifests.LoadCluster(manifest); err != nil {
			return ExitSetup, usage.Errorf("--manifest: %v", err)
		}
	}
	if err := sh.check(); err != nil {
		return ExitSetup, err
	}
	m = sh.apply(m, mode)
	pr := newProgress(stdout)
	o, err := l.options(m, pr)
	if err != nil {
		return ExitSetup, err
	}
	o.AwaitRunning = true // up hands a person a cluster that runs
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	env, err := lifecycle.Up(ctx, o)
	if err != nil {
		pr.Printf("up failed: %v", err)
		pr.Printf("what was created is recorded in %s; `go run . down --name %s` removes it", o.StateDir, o.Name)
		return ExitSetup, nil
	}
	pr.Printf("up: kind cluster %s, kubeconfig %s", o.Name, env.Kubeconfig)
	pr.Printf("run the suite: go run . run --target kube --kubeconfig %s --namespace %s --cluster %s", env.Kubeconfig, m.Namespace, m.Name)
	return ExitPassed, nil
}

// downCommand undoes up (or a kept e2e).
func downCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var l lifecycleFlags
	fs := newFlagSet("down", stderr)
	l.register(fs)
	if err := parse(fs, args); err != nil {
		return ExitSetup, err
	}
	pr := newProgress(stdout)
	o, err := l.options(manifests.DefaultCluster(), pr)
	if err != nil {
		return ExitSetup, err
	}
	if err := lifecycle.Down(ctx, o); err != nil {
		pr.Printf("down: %v", err)
		return ExitSetup, nil
	}
	return ExitPassed, nil
}
