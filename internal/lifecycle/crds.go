package lifecycle

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/rmqkb/conformance/internal/gomod"
)

// KubeBlocksModule is the Go module KubeBlocks is released as; its
// deploy/helm folder is the chart, read from the module cache (the module
// is AGPL-3.0: nothing of it is copied into this repository).
const KubeBlocksModule = "github.com/apecloud/kubeblocks"

// KubeBlocksModuleChart returns the chart folder of KubeBlocks version v
// (without the leading v) in the Go module cache, downloading the module
// through GOPROXY on first use.
func KubeBlocksModuleChart(v string) (string, error) {
	dir, err := gomod.Dir(KubeBlocksModule + "@v" + v)
	if err != nil {
		return "", fmt.Errorf("KubeBlocks %s's chart: %w", v, err)
	}
	return filepath.Join(dir, "deploy", "helm"), nil
}

// crdWait bounds the wait for the CRDs to be established.
const crdWait = 2 * time.Minute

// InstallCRDs creates (or updates) every CRD in the YAML files of dirs and
// waits until they are established. KubeBlocks' chart keeps its CRDs in
// crds/ but hides them from Helm (its .helmignore lists crds/, "need to
// separate installation"), and its data-protection controller waits for
// the VolumeSnapshot CRDs of crds/snapshot/, which kind lacks. They are
// created directly, not applied client-side: some are 2 MB, too big for
// the last-applied annotation.
func InstallCRDs(ctx context.Context, kubeconfig string, dirs []string, w io.Writer) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("load %s: %w", kubeconfig, err)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return fmt.Errorf("CRD folder %s: not a folder", d)
		}
	}
	quietControllerRuntime()
	crds, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
		Paths: dirs, ErrorIfPathMissing: true, MaxTime: crdWait, PollInterval: time.Second,
	})
	if err != nil {
		return fmt.Errorf("create the CRDs of %v: %w", dirs, err)
	}
	if len(crds) == 0 {
		return fmt.Errorf("no CRDs in %v", dirs)
	}
	fmt.Fprintf(w, "  %d CRDs established\n", len(crds))
	return ctx.Err()
}

// quietControllerRuntime gives controller-runtime's global logger a sink
// that drops its lines: without one it prints a stack trace saying it has
// none at its first log line (envtest logs each CRD it reads).
var quietControllerRuntime = sync.OnceFunc(func() { ctrllog.SetLogger(logr.Discard()) })
