package testenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/rmqkb/conformance/internal/kbapi"
)

func TestMain(m *testing.M) { os.Exit(MainWithAPIServer(m)) }

// TestFixturesLoadOnTheRealSchemas: every fixture set, conforming and each
// deviation, is accepted by the real KubeBlocks v1.0.2 CRDs, spec on create
// and status through the status subresource, with no field pruned.
func TestFixturesLoadOnTheRealSchemas(t *testing.T) {
	api := SharedAPIServer(t)
	for _, d := range append([]Deviation{Conforming}, Deviations...) {
		t.Run(d.Name, func(t *testing.T) {
			if err := api.Load("load-"+d.Name, d.Name); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) { expectServerDefaults(t, api, "load-conforming") })
}

// expectServerDefaults: the loaded objects carry what the real schema
// defaults and the files leave out (podUpdatePolicy), as on a real
// cluster; the kube tests read these objects, so they run with it.
func expectServerDefaults(t *testing.T, api *APIServer, ns string) {
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(api.Config)
	cl, err := dyn.Resource(kbapi.Cluster).Namespace(ns).Get(ctx, "rocketmq-cluster", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	specs, _, _ := unstructured.NestedSlice(cl.Object, "spec", "componentSpecs")
	shardings, _, _ := unstructured.NestedSlice(cl.Object, "spec", "shardings")
	for _, sh := range shardings {
		specs = append(specs, sh.(map[string]any)["template"])
	}
	for _, s := range specs {
		if p := s.(map[string]any)["podUpdatePolicy"]; p != "PreferInPlace" {
			t.Errorf("Cluster %v: podUpdatePolicy %v, want the server's default PreferInPlace", s.(map[string]any)["name"], p)
		}
	}
	cmps, err := dyn.Resource(kbapi.Component).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmps.Items {
		if p, _, _ := unstructured.NestedString(c.Object, "spec", "podUpdatePolicy"); p != "PreferInPlace" {
			t.Errorf("Component %s: podUpdatePolicy %q, want the server's default PreferInPlace", c.GetName(), p)
		}
	}
}

// TestKubeBlocksCRDsComeFromTheModuleCache: the CRDs are the module's own
// files, read where the Go toolchain keeps the module, not from this
// repository.
func TestKubeBlocksCRDsComeFromTheModuleCache(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no go command run")
	}
	paths, err := KubeBlocksCRDs()
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs(filepath.Join(FixtureDir(), "..", ".."))
	for _, p := range paths {
		if !strings.Contains(p, "github.com/apecloud/kubeblocks@v1.0.2/config/crd/bases/") || strings.HasPrefix(p, repo) {
			t.Errorf("CRD %s: not from the module cache", p)
		}
	}
	if len(paths) != len(kubeBlocksCRDFiles) {
		t.Errorf("%d CRDs, want %d", len(paths), len(kubeBlocksCRDFiles))
	}
}
