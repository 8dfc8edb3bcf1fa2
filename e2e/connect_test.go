package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rmqkb/conformance/internal/dist"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/rmqkb/conformance/internal/lifecycle"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/testenv"
)

// mode is what the features run against, decided by the flags alone, so
// the features can be shaped before anything starts.
type mode string

const (
	modeKind       mode = "kind"       // a kind cluster this run creates (--create-kind)
	modeKubeconfig mode = "kubeconfig" // an existing cluster (--kubeconfig)
	modeEnvtest    mode = "envtest"    // a local kube-apiserver holding objects shaped as KubeBlocks creates them
	modeShort      mode = "short"      // -short with neither flag: nothing to run against
)

// envtestNamespace is where the envtest mode loads its fixtures.
const envtestNamespace = "e2e"

func modeOf(cfg *envconf.Config) mode {
	switch {
	case *createKind:
		return modeKind
	case kubeconfigFlag(cfg) != "":
		return modeKubeconfig
	case testing.Short():
		return modeShort
	}
	return modeEnvtest
}

// connect is the setup step that reaches the cluster of mode m and puts
// its *rest.Config in the context; with neither --create-kind nor
// --kubeconfig, a local kube-apiserver, so the harness itself is exercised
// on every `go test`.
func connect(m mode) env.Func {
	switch m {
	case modeKind:
		return connectKind
	case modeKubeconfig:
		return connectKubeconfig
	}
	return connectEnvtest
}

// connectKind brings up kind, KubeBlocks, the addon and the Cluster. The
// options go into the context before anything is created, so the finish
// steps take down whatever part came up.
func connectKind(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	cache, err := dist.CacheDir()
	if err != nil {
		return ctx, fmt.Errorf("connect: %w", err)
	}
	v := manifests.DefaultVersions()
	if *nodeImage != "" {
		v.Kind.NodeImage = *nodeImage
	}
	o := lifecycle.Options{Name: "rmqkb-e2e", Versions: v, Cluster: manifests.DefaultCluster(),
		StateDir: filepath.Join(cache, "e2e", "rmqkb-e2e"), Progress: os.Stderr, AddRoutes: true,
		Host: lifecycle.DetectHost(), Mirror: *registryMirror, KubeBlocksChart: *kubeBlocksChart, AddonChart: *addonChart}
	ctx = context.WithValue(ctx, kindKey{}, o)
	upCtx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	e, err := lifecycle.Up(upCtx, o)
	if err != nil {
		return ctx, fmt.Errorf("bring up kind, KubeBlocks and the Cluster: %w", err)
	}
	return withREST(ctx, e.Kubeconfig, "")
}

func connectKubeconfig(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
	return withREST(ctx, kubeconfigFlag(cfg), cfg.KubeContext())
}

// connectEnvtest starts a local kube-apiserver and loads the fixtures.
func connectEnvtest(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	a, err := testenv.StartAPIServer()
	if err != nil {
		return ctx, fmt.Errorf("no --kubeconfig and no --create-kind, and the local control plane did not start: %w", err)
	}
	ctx = context.WithValue(ctx, apiKey{}, a)
	if err := a.Load(envtestNamespace, ""); err != nil {
		return ctx, fmt.Errorf("load the fixtures: %w", err)
	}
	return context.WithValue(ctx, restKey{}, a.Config), nil
}

func withREST(ctx context.Context, kubeconfig, kubeContext string) (context.Context, error) {
	c, err := kube.RESTConfig(kubeconfig, kubeContext, false)
	if err != nil {
		return ctx, fmt.Errorf("connect: %w", err)
	}
	return context.WithValue(ctx, restKey{}, c), nil
}

// kubeconfigFlag returns --kubeconfig. controller-runtime (linked in for
// envtest) registers a global --kubeconfig flag first, and e2e-framework
// then keeps its own unregistered and empty, so read whichever holds it.
func kubeconfigFlag(cfg *envconf.Config) string {
	if k := cfg.KubeconfigFile(); k != "" {
		return k
	}
	if f := flag.Lookup("kubeconfig"); f != nil {
		return f.Value.String()
	}
	return ""
}
