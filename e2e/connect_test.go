package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/rmqkb/conformance/internal/kube"
	"github.com/rmqkb/conformance/internal/lifecycle"
	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/internal/testenv"
	"github.com/rmqkb/conformance/manifests"
)

// connect decides what the features run against: a kind cluster this run
// creates (--create-kind), an existing cluster (--kubeconfig), or, with
// neither, a local kube-apiserver holding objects shaped as KubeBlocks
// creates them, so the harness itself is exercised on every `go test`.
func (h *harness) connect(ctx context.Context, cfg *envconf.Config, m manifests.Cluster) (*rest.Config, error) {
	kubeconfig := kubeconfigFlag(cfg)
	switch {
	case *createKind:
		h.mode = "kind"
		cache, err := local.CacheDir()
		if err != nil {
			return nil, err
		}
		v := manifests.DefaultVersions()
		if *nodeImage != "" {
			v.Kind.NodeImage = *nodeImage
		}
		o := lifecycle.Options{Name: "rmqkb-e2e", Versions: v, Cluster: m,
			StateDir: filepath.Join(cache, "e2e", "rmqkb-e2e"), Progress: os.Stderr, AddRoutes: true,
			Host: lifecycle.DetectHost(), Mirror: *registryMirror, KubeBlocksChart: *kubeBlocksChart, AddonChart: *addonChart}
		h.down = func(ctx context.Context) error { return lifecycle.Down(ctx, o) }
		upCtx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		e, err := lifecycle.Up(upCtx, o)
		if err != nil {
			return nil, fmt.Errorf("bring up kind, KubeBlocks and the Cluster: %w", err)
		}
		return kube.RESTConfig(e.Kubeconfig, "", false)
	case kubeconfig != "":
		h.mode = "kubeconfig"
		return kube.RESTConfig(kubeconfig, cfg.KubeContext(), false)
	case testing.Short():
		h.mode = "short"
		return nil, nil
	default:
		h.mode = "envtest"
		a, err := testenv.StartAPIServer()
		if err != nil {
			return nil, fmt.Errorf("no --kubeconfig and no --create-kind, and the local control plane did not start: %w", err)
		}
		h.api = a
		if err := a.Load("e2e", ""); err != nil {
			return nil, err
		}
		return a.Config, nil
	}
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
