package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// APIServer is a real etcd + kube-apiserver started with envtest from the
// binaries scripts/build-kapi.sh builds (KUBEBUILDER_ASSETS), with the
// real CRDs of KubeBlocks v1.0.2 installed (KubeBlocksCRDs), so that what
// tests create is validated and defaulted as on a KubeBlocks cluster.
type APIServer struct {
	env    *envtest.Environment
	Config *rest.Config
}

// StartAPIServer starts one for a test binary; call Stop from TestMain.
// The binaries come from KUBEBUILDER_ASSETS or, when it is unset, from
// scripts/build-kapi.sh, which builds them from the Go module proxy on
// first use (minutes) and finds them in its cache afterwards.
func StartAPIServer() (*APIServer, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		var err error
		if assets, err = buildAssets(); err != nil {
			return nil, err
		}
	}
	crds, err := KubeBlocksCRDs()
	if err != nil {
		return nil, fmt.Errorf("the KubeBlocks CRDs (read from the Go module cache, fetched through GOPROXY on first use): %w", err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDInstallOptions:     envtest.CRDInstallOptions{Paths: crds},
		ErrorIfCRDPathMissing: true,
	}
	// Loopback only, and no endpoint reconciler: the machine may have no
	// default route, and nothing here must leave it.
	env.ControlPlane.GetAPIServer().Configure().
		Set("advertise-address", "127.0.0.1").
		Set("endpoint-reconciler-type", "none")
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest with %s: %w", assets, err)
	}
	return &APIServer{env: env, Config: cfg}, nil
}

// buildAssets runs scripts/build-kapi.sh, its progress on stderr, and
// returns the folder it prints last.
func buildAssets() (string, error) {
	script := filepath.Join(FixtureDir(), "..", "..", "scripts", "build-kapi.sh")
	cmd := exec.Command("bash", script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build etcd and kube-apiserver with %s: %w", script, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

// Stop stops etcd and the API server.
func (a *APIServer) Stop() error { return a.env.Stop() }

// StartForTest starts an API server for one test and stops it when the
// test ends, for packages without MainWithAPIServer. Like SharedAPIServer
// it skips the test with -short, and when the control plane cannot start
// it fails the test under CI (CI=true) and skips it elsewhere.
func StartForTest(t testing.TB) *APIServer {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no control plane")
	}
	a, err := StartAPIServer()
	switch {
	case err != nil && os.Getenv("CI") == "true":
		t.Fatal(err)
	case err != nil:
		t.Skipf("no control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Stop(); err != nil {
			t.Errorf("stop the control plane: %v", err)
		}
	})
	return a
}

// Kubeconfig writes a kubeconfig for cfg into dir and returns its path.
func (a *APIServer) Kubeconfig(t testing.TB) string {
	t.Helper()
	user, err := a.env.ControlPlane.AddUser(envtest.User{Name: "conformance", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// LoadFixtures creates the objects of deviation ("" for the conforming
// ones) in a new namespace ns, then writes each status through the status
// subresource, as the controllers would.
func (a *APIServer) LoadFixtures(t testing.TB, ns, deviation string) {
	t.Helper()
	if err := a.Load(ns, deviation); err != nil {
		t.Fatal(err)
	}
}

// Load is LoadFixtures for callers without a testing.TB (a TestMain).
func (a *APIServer) Load(ns, deviation string) error {
	objs, err := ReadObjects(deviation)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := a.newLoader(ns)
	if err != nil {
		return err
	}
	if _, err := l.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	for _, f := range objs.Files() {
		for _, u := range objs.Items(f) {
			if err := l.create(ctx, u.DeepCopy()); err != nil {
				return fmt.Errorf("deviation %s, %s: %w", firstNonEmpty(deviation, Conforming.Name), f, err)
			}
		}
	}
	return nil
}

// loader creates fixture objects in one namespace of the API server.
type loader struct {
	ns     string
	cs     kubernetes.Interface
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func (a *APIServer) newLoader(ns string) (*loader, error) {
	cs, err := kubernetes.NewForConfig(a.Config)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(a.Config)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(a.Config)
	if err != nil {
		return nil, err
	}
	return &loader{ns: ns, cs: cs, dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// create creates u in the loader's namespace, without its status, then
// writes the status through the status subresource (but a Secret's,
// which has none).
func (l *loader) create(ctx context.Context, u *unstructured.Unstructured) error {
	u.SetNamespace(l.ns)
	status, hasStatus, err := unstructured.NestedFieldCopy(u.Object, "status")
	if err != nil {
		return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
	}
	unstructured.RemoveNestedField(u.Object, "status")
	gvk := u.GroupVersionKind()
	m, err := l.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("%s: %w", gvk, err)
	}
	res := l.dyn.Resource(m.Resource).Namespace(l.ns)
	created, err := res.Create(ctx, u, metav1.CreateOptions{FieldValidation: strict})
	if err != nil {
		return fmt.Errorf("create %s %s: %w", gvk.Kind, u.GetName(), err)
	}
	if !hasStatus || gvk.Kind == "Secret" {
		return nil
	}
	created.Object["status"] = loopbackIPs(status)
	if _, err := res.UpdateStatus(ctx, created, metav1.UpdateOptions{FieldValidation: strict}); err != nil {
		return fmt.Errorf("status of %s %s: %w", gvk.Kind, u.GetName(), err)
	}
	return nil
}

// strict makes the server refuse a field its schema lacks instead of
// dropping it: a fixture field the real CRD does not know would otherwise
// vanish on load, and tests would read less than the file says.
const strict = "Strict"

// loopbackIPs moves the fixtures' pod IPs (10.244.x.y) into the loopback
// range (127.244.x.y): a target under test may dial what it reads, and no
// test may send a packet off this machine.
func loopbackIPs(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = loopbackIPs(e)
		}
	case []any:
		for i, e := range t {
			t[i] = loopbackIPs(e)
		}
	case string:
		if strings.HasPrefix(t, "10.244.") {
			return "127.244." + strings.TrimPrefix(t, "10.244.")
		}
	}
	return v
}
