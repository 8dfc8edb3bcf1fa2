package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/manifests"
	"github.com/rmqkb/conformance/testenv"
)

func TestClusterStatus(t *testing.T) {
	cl := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{
		"phase": "Creating",
		"components": map[string]any{
			"namesrv":  map[string]any{"phase": "Running"},
			"exporter": map[string]any{},
		},
		"shardings":  map[string]any{"broker": map[string]any{"phase": "Creating"}},
		"conditions": []any{map[string]any{"type": "Ready", "status": "False", "message": "pods not\nready"}, map[string]any{"type": "ProvisioningStarted", "status": "True", "message": "ok"}},
	}}}
	want := "phase Creating; exporter (no phase), namesrv Running, broker (sharding) Creating; Ready: pods not ready"
	if got := clusterStatus(cl); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := clusterStatus(&unstructured.Unstructured{Object: map[string]any{}}); got != "phase (none yet)" {
		t.Errorf("no status: %q", got)
	}
}

func TestClusterObjectCopiesTheManifest(t *testing.T) {
	m := manifests.DefaultCluster().WithShape(3, 2) // WithShape puts Go ints in the object
	m.Namespace = "other"
	before, _ := json.Marshal(m.Object)
	u, err := clusterObject(m)
	if err != nil {
		t.Fatal(err)
	}
	if u.GetNamespace() != "other" || u.GetName() != "rocketmq-cluster" || u.GetKind() != "Cluster" || u.GetAPIVersion() != "apps.kubeblocks.io/v1" {
		t.Errorf("object %s %s %s/%s", u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName())
	}
	sh, _, _ := unstructured.NestedSlice(u.Object, "spec", "shardings")
	if n, _ := sh[0].(map[string]any)["shards"].(int64); n != 3 {
		t.Errorf("shards %v", sh[0].(map[string]any)["shards"])
	}
	unstructured.SetNestedField(u.Object, "changed", "spec", "topology")
	if after, _ := json.Marshal(m.Object); !bytes.Equal(before, after) {
		t.Error("the manifest's object was modified")
	}
}

// TestCreateClusterOnAnAPIServer runs WaitForAddon and CreateCluster against
// a real kube-apiserver (envtest, loopback), playing KubeBlocks' part: the
// CRDs, the addon's definitions and the Cluster's status. Its steps run in
// order on one API server.
func TestCreateClusterOnAnAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no control plane")
	}
	cfg := startAPIServer(t)
	dyn := dynamic.NewForConfigOrDie(cfg)
	ctx := context.Background()
	m := manifests.DefaultCluster()
	addonAwaited(ctx, t, cfg, dyn)
	clusterCreated(ctx, t, cfg, dyn, m)
	clusterReused(ctx, t, cfg, m)
	clusterNeverRunning(ctx, t, cfg, m)
}

// quick are the poll periods of the tests: the polls run every 25 ms.
var quick = periods{poll: 50 * time.Millisecond}

// startAPIServer starts a control plane, stopped when the test ends, and
// returns a client config for it.
func startAPIServer(t *testing.T) *rest.Config {
	start := time.Now()
	a, err := testenv.StartAPIServer()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("no control plane: %v", err)
	}
	t.Cleanup(func() { a.Stop() })
	// The polls run every 25 ms here: lift client-go's 5 QPS limit.
	cfg := rest.CopyConfig(a.Config)
	cfg.QPS, cfg.Burst = 500, 1000
	t.Logf("control plane up in %s", time.Since(start))
	return cfg
}

// addonAwaited: WaitForAddon waits for the CRDs, then for the addon's
// definitions, naming what it waits for, until they are there.
func addonAwaited(ctx context.Context, t *testing.T, cfg *rest.Config, dyn dynamic.Interface) {
	// No CRDs for the definitions yet.
	err := withTimeout(ctx, time.Second, func(ctx context.Context) error { return waitForAddon(ctx, cfg, nil, quick) })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "componentdefinitions.apps.kubeblocks.io") ||
		strings.Contains(err.Error(), "clusters.apps.kubeblocks.io") {
		t.Fatalf("without the CRDs: %v", err)
	}
	for _, plural := range []string{"componentdefinitions", "clusterdefinitions", "shardingdefinitions"} {
		createCRD(t, dyn, plural)
	}
	def := func(gvr schema.GroupVersionResource, kind, name, phase string) {
		define(ctx, t, dyn, gvr, kind, name, phase)
	}
	def(clusterDefGVR, "ClusterDefinition", "rocketmq", "Available")
	def(shardingDefGVR, "ShardingDefinition", "rocketmq-broker", "")
	def(cmpdGVR, "ComponentDefinition", "rocketmq-broker-4-1.0.2", "Available")
	def(cmpdGVR, "ComponentDefinition", "rocketmq-namesrv-4-1.0.2", "Unavailable")
	def(cmpdGVR, "ComponentDefinition", "kafka-broker-1.0.2", "Available")

	var out bytes.Buffer
	err = withTimeout(ctx, time.Second, func(ctx context.Context) error { return waitForAddon(ctx, cfg, &out, quick) })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "rocketmq-namesrv-4-1.0.2 Unavailable") || strings.Contains(err.Error(), "broker-4") {
		t.Fatalf("a namesrv definition Unavailable: %v", err)
	}
	if !strings.Contains(out.String(), "waiting for the addon: componentdefinition rocketmq-namesrv-* Available") {
		t.Errorf("progress:\n%s", out.String())
	}
	def(cmpdGVR, "ComponentDefinition", "rocketmq-namesrv-4-1.0.2", "Available")
}

// define creates the definition kind/name if it is not there, with status
// phase unless phase is "".
func define(ctx context.Context, t *testing.T, dyn dynamic.Interface, gvr schema.GroupVersionResource, kind, name, phase string) {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps.kubeblocks.io/v1", "kind": kind, "metadata": map[string]any{"name": name}}}
	res := dyn.Resource(gvr)
	got, err := res.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		got, err = res.Create(ctx, u, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	if phase != "" {
		got.Object["status"] = map[string]any{"phase": phase}
		if _, err := res.UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// clusterCreated: the Cluster is created, then Running when "KubeBlocks"
// says so, with progress on the way.
func clusterCreated(ctx context.Context, t *testing.T, cfg *rest.Config, dyn dynamic.Interface, m manifests.Cluster) {
	res := dyn.Resource(clusterGVR).Namespace(m.Namespace)
	var out syncBuffer
	var wg sync.WaitGroup
	wg.Go(func() {
		playKubeBlocks(ctx, t, res, m.Name, func(s string) bool { return strings.Contains(out.String(), s) })
	})
	err := withTimeout(ctx, 30*time.Second, func(ctx context.Context) error {
		if err := createCluster(ctx, cfg, m, &out, quick); err != nil {
			return err
		}
		return awaitRunning(ctx, cfg, m, &out, quick)
	})
	wg.Wait()
	if err != nil {
		t.Fatalf("CreateCluster: %v\n%s", err, out.String())
	}
	for _, want := range []string{"created Cluster demo/rocketmq-cluster", "phase Creating; namesrv Creating, broker (sharding) Creating", "phase Running; namesrv Running, broker (sharding) Running"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, out.String())
		}
	}
	cl, err := res.Get(ctx, m.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if shards, _, _ := unstructured.NestedSlice(cl.Object, "spec", "shardings"); len(shards) != 1 || shards[0].(map[string]any)["shards"] != int64(2) {
		t.Errorf("created spec.shardings %v", shards)
	}
}

// playKubeBlocks waits for the Cluster name, then sets its status to
// Creating, and once the progress says so (shown reports what the creator
// printed), to Running, as KubeBlocks would.
func playKubeBlocks(ctx context.Context, t *testing.T, res dynamic.ResourceInterface, name string, shown func(string) bool) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(ctx, 20*time.Millisecond, "Cluster "+name+" to be created", func(ctx context.Context) (bool, string, error) {
		_, err := res.Get(ctx, name, metav1.GetOptions{})
		return err == nil, wait.Reason(err), nil
	})
	if err != nil {
		t.Error(err)
		return
	}
	for _, st := range []map[string]any{
		{"phase": "Creating", "components": map[string]any{"namesrv": map[string]any{"phase": "Creating"}}, "shardings": map[string]any{"broker": map[string]any{"phase": "Creating"}}},
		{"phase": "Running", "components": map[string]any{"namesrv": map[string]any{"phase": "Running"}}, "shardings": map[string]any{"broker": map[string]any{"phase": "Running"}}},
	} {
		cl, err := res.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Error(err)
			return
		}
		cl.Object["status"] = st
		if _, err := res.UpdateStatus(ctx, cl, metav1.UpdateOptions{}); err != nil {
			t.Error(err)
			return
		}
		phase := "phase " + st["phase"].(string)
		if err := wait.Until(ctx, 20*time.Millisecond, "the progress to say "+phase, func(context.Context) (bool, string, error) {
			return shown(phase), "", nil
		}); err != nil {
			t.Error(err)
			return
		}
	}
}

// syncBuffer is a buffer two goroutines share: the creator writes its
// progress, the stand-in for KubeBlocks reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clusterReused: run again, the Cluster exists and is Running.
func clusterReused(ctx context.Context, t *testing.T, cfg *rest.Config, m manifests.Cluster) {
	var out bytes.Buffer
	if err := withTimeout(ctx, 10*time.Second, func(ctx context.Context) error { return createCluster(ctx, cfg, m, &out, quick) }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exists already: reusing it") {
		t.Errorf("progress:\n%s", out.String())
	}
}

// clusterNeverRunning: creating a Cluster that never runs returns once the
// API server accepted it (what it becomes is cluster/ready's to judge);
// waiting for it to run, as `up` does, fails with the last status; the
// namespace was created.
func clusterNeverRunning(ctx context.Context, t *testing.T, cfg *rest.Config, m manifests.Cluster) {
	m.Namespace = "other"
	if err := withTimeout(ctx, 10*time.Second, func(ctx context.Context) error { return createCluster(ctx, cfg, m, nil, quick) }); err != nil {
		t.Fatalf("create a Cluster that never runs: %v", err)
	}
	err := withTimeout(ctx, 2*time.Second, func(ctx context.Context) error { return awaitRunning(ctx, cfg, m, nil, quick) })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Cluster other/rocketmq-cluster to be Running") || !strings.Contains(err.Error(), "last seen: phase (none yet)") {
		t.Fatalf("never Running: %v", err)
	}
	if _, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Namespaces().Get(ctx, "other", metav1.GetOptions{}); err != nil {
		t.Errorf("namespace other: %v", err)
	}
}

func withTimeout(ctx context.Context, d time.Duration, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return f(ctx)
}

// createCRD creates a minimal cluster-scoped apps.kubeblocks.io/v1 CRD
// with a status subresource and waits until it is established.
func createCRD(t *testing.T, dyn dynamic.Interface, plural string) {
	t.Helper()
	kind := map[string]string{"componentdefinitions": "ComponentDefinition", "clusterdefinitions": "ClusterDefinition", "shardingdefinitions": "ShardingDefinition"}[plural]
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": plural + ".apps.kubeblocks.io"},
		"spec": map[string]any{
			"group": "apps.kubeblocks.io", "scope": "Cluster",
			"names": map[string]any{"plural": plural, "kind": kind, "listKind": kind + "List", "singular": strings.ToLower(kind)},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"subresources": map[string]any{"status": map[string]any{}},
				"schema":       map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
	ctx := context.Background()
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := wait.Until(ctx, 50*time.Millisecond, "CRD "+crd.GetName()+" to be established", func(ctx context.Context) (bool, string, error) {
		got, err := dyn.Resource(crdGVR).Get(ctx, crd.GetName(), metav1.GetOptions{})
		if err != nil || !established(got) {
			return false, wait.Reason(err), nil
		}
		// Discovery in the API server may lag the condition a little.
		_, err = dyn.Resource(schema.GroupVersionResource{Group: "apps.kubeblocks.io", Version: "v1", Resource: plural}).List(ctx, metav1.ListOptions{})
		return err == nil, wait.Reason(err), nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
