package kube_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/audit"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/testenv"
	"github.com/rmqkb/conformance/verdict"
)

var nsSeq atomic.Int32

// newTarget loads the fixtures (with deviation) into a fresh namespace and
// connects the kube target to it.
func newTarget(t *testing.T, deviation string, opts ...kube.Option) (*kube.Target, string) {
	t.Helper()
	ns := loadNamespace(t, deviation)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tgt, err := kube.New(ctx, api.Config, ns, "rocketmq-cluster",
		append([]kube.Option{kube.WithRoleSettle(300 * time.Millisecond), kube.WithDialTimeout(time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt, ns
}

// loadNamespace loads the fixtures (with deviation) into a fresh
// namespace and returns its name.
func loadNamespace(t *testing.T, deviation string) string {
	t.Helper()
	needAPI(t)
	ns := fmt.Sprintf("t%d-%s", nsSeq.Add(1), strings.ReplaceAll(deviation, "_", "-"))
	ns = strings.TrimSuffix(ns, "-")
	api.LoadFixtures(t, ns, deviation)
	return ns
}

func TestNewNamesAMissingCluster(t *testing.T) {
	needAPI(t)
	_, err := kube.New(context.Background(), api.Config, "nowhere", "rocketmq-cluster")
	if err == nil || !strings.Contains(err.Error(), "Cluster rocketmq-cluster not found in namespace nowhere") {
		t.Fatalf("got %v", err)
	}
}

func TestDiscovery(t *testing.T) {
	tgt, _ := newTarget(t, "")
	ctx := context.Background()
	if err := tgt.AwaitStableRoles(ctx); err != nil {
		t.Fatal(err)
	}
	topo := tgt.Topology()
	if topo.Cluster != "rocketmq-cluster" || topo.Namesrvs != 2 || topo.Shards != 2 || topo.Replicas != 2 {
		t.Errorf("topology %+v", topo)
	}
	// Shards needs the pod network, which this machine cannot reach: the
	// error must say so at once, naming both ways out.
	// Within 5 s, or the deadline's error, not the verdict, comes back.
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := tgt.Shards(sctx)
	if err == nil || !strings.Contains(err.Error(), "--in-cluster") || !strings.Contains(err.Error(), "routes to the pod CIDR") {
		t.Fatalf("Shards on an unreachable pod network: %v", err)
	}
}

func TestObjectCasesPassOnConformingObjects(t *testing.T) {
	tgt, _ := newTarget(t, "")
	testenv.ExpectDeviation(t, testenv.Conforming, scenarios.Execute(context.Background(), tgt, testenv.ObjectCases(t)))
}

func TestDeviationsFailOnTheAPIServer(t *testing.T) {
	for _, d := range testenv.Deviations {
		t.Run(d.Name, func(t *testing.T) {
			tgt, _ := newTarget(t, d.Name)
			testenv.ExpectDeviation(t, d, scenarios.Execute(context.Background(), tgt, testenv.ObjectCases(t)))
		})
	}
}

// TestMessagingFailsFastWhenPodsAreUnreachable: the namesrv pod's IP is
// pointed at a loopback port nothing listens on (no traffic leaves the
// machine); every RocketMQ case must end within seconds, saying why.
func TestMessagingFailsFastWhenPodsAreUnreachable(t *testing.T) {
	tgt, ns := newTarget(t, "")
	cs := kubernetes.NewForConfigOrDie(api.Config)
	ctx := context.Background()
	p, err := cs.CoreV1().Pods(ns).Get(ctx, "rocketmq-cluster-namesrv-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.PodIP, p.Status.PodIPs = "127.0.0.1", []corev1.PodIP{{IP: "127.0.0.1"}}
	if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cases, _ := scenarios.Select("^(routing|messaging|replication|failover|management)/")
	// The mode cases are skipped for their mode before any pod is asked,
	// and those that need a namesrv kept down, which this target cannot do;
	// the gate the selection brings, cluster/ready, judges objects only.
	cases = slices.DeleteFunc(cases, func(c scenarios.Case) bool {
		return c.OnlyIn != (scenarios.Mode{}) || slices.Contains(c.Needs, verdict.HoldDown) || !c.NeedsLive()
	})
	// They must not hang: a case the deadline cuts says so, not the ways
	// out.
	ectx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, r := range scenarios.Execute(ectx, tgt, cases) {
		if r.Status == verdict.Passed || !strings.Contains(r.Observed, "--in-cluster") {
			t.Errorf("%s: %s %q; want it to end naming the ways to reach the pod network", r.ID, r.Status, r.Observed)
		}
	}
}

// TestKillAndAwaitBack: the test plays the InstanceSet controller. Kill
// must delete the pod; AwaitBack must wait for a new incarnation that is
// Running, Ready and labelled with its role, not return on the first sight.
func TestKillAndAwaitBack(t *testing.T) {
	tgt, ns := newTarget(t, "")
	cs := kubernetes.NewForConfigOrDie(api.Config)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods := cs.CoreV1().Pods(ns)
	const name = "rocketmq-cluster-broker-d4p-0"
	old, err := pods.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := target.Broker{Shard: "broker-d4p", Ordinal: 0, Pod: name}
	if err := tgt.Kill(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after Kill the pod is still there: %v", err)
	}
	// Recreate it, first without the role label and not ready.
	fresh := old.DeepCopy()
	fresh.ResourceVersion, fresh.UID = "", ""
	delete(fresh.Labels, target.LabelRole)
	created, err := pods.Create(ctx, fresh, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	back := make(chan error, 1)
	go func() { back <- tgt.AwaitBack(ctx, b) }()
	select {
	case err := <-back:
		t.Fatalf("AwaitBack returned before the pod was Running, Ready and labelled: %v", err)
	case <-time.After(1500 * time.Millisecond): // AwaitBack polls every 500 ms: three polls must not end it
	}
	created.Status = old.Status
	if created, err = pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	created.Labels[target.LabelRole] = "master"
	if _, err := pods.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The pod is back, but its broker's registration cannot be seen from
	// here (the fixtures' pod IPs are not served): AwaitBack must say so,
	// never report the broker back on the pod alone.
	if err := <-back; err == nil || !strings.Contains(err.Error(), "registration cannot be observed") {
		t.Fatalf("AwaitBack: %v; want an error saying the registration cannot be observed", err)
	}
}

func TestDiagnostics(t *testing.T) {
	tgt, _ := newTarget(t, "")
	dir := t.TempDir()
	// No kubelet serves logs here, so only the objects are written; that
	// is reported, not fatal.
	tgt.CollectDiagnostics(context.Background(), dir)
	for _, f := range []string{"cluster.yaml", "components.yaml", "instancesets.yaml", "pods.yaml", "services.yaml", "pvcs.yaml",
		"secrets.yaml", "serviceaccounts.yaml", "events.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(data) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "services.yaml")); !strings.Contains(string(data), "rocketmq-cluster-broker-d4p-headless") {
		t.Error("services.yaml lacks the headless services (they carry no instance label)")
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			for _, p := range testenv.PlantedPasswords {
				if strings.Contains(string(data), p) {
					t.Errorf("%s holds a password", path)
				}
			}
		}
		return nil
	})
	// The dump is what `audit --from` reads: the same objects, the
	// Secrets' passwords replaced by others that meet the same policy.
	live, err := tgt.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dumped, err := audit.Load(dir, live.Cluster.GetNamespace(), live.Cluster.GetName())
	if err != nil {
		t.Fatalf("audit cannot read the dump: %v", err)
	}
	if len(dumped.Pods) != len(live.Pods) || len(dumped.Components) != len(live.Components) || len(dumped.Secrets) != len(live.Secrets) ||
		len(dumped.PVCs) != len(live.PVCs) || len(dumped.InstanceSets) != len(live.InstanceSets) {
		t.Errorf("dump holds %d pods, %d components, %d instance sets, %d PVCs, %d secrets; the cluster %d, %d, %d, %d, %d",
			len(dumped.Pods), len(dumped.Components), len(dumped.InstanceSets), len(dumped.PVCs), len(dumped.Secrets),
			len(live.Pods), len(live.Components), len(live.InstanceSets), len(live.PVCs), len(live.Secrets))
	}
	for _, s := range dumped.Secrets {
		if p, ok := s.Data["password"]; ok && s.Annotations[audit.RedactedAnnotation] == "" {
			t.Errorf("Secret %s: password of %d bytes dumped without the redaction mark", s.Name, len(p))
		}
	}
}

// TestManagementPlane: the console-admin account comes from its Secret;
// the exporter and dashboard are reached on their pods, which here, with
// no pod network, ends naming the ways to reach it.
func TestManagementPlane(t *testing.T) {
	tgt, _ := newTarget(t, "")
	ctx := context.Background()
	user, password, err := tgt.ConsoleAccount(ctx)
	if err != nil || user != "console-admin" || password == "" {
		t.Errorf("ConsoleAccount = %q, (%d characters), %v; want console-admin and its password", user, len(password), err)
	}
	for name, get := range map[string]func(context.Context) (string, error){"exporter": tgt.ExporterURL, "dashboard": tgt.DashboardURL} {
		if u, err := get(ctx); err == nil || !strings.Contains(err.Error(), "--in-cluster") {
			t.Errorf("%s URL = %q, %v; want an error naming the ways to reach the pod network", name, u, err)
		}
	}
}
