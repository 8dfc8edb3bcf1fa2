package kube_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/testenv"
)

// TestRestartingContainerFailsReady plants testenv's live plant
// restarting-container: while cluster/ready runs, a sidecar of
// rocketmq-cluster-broker-d4p-0 restarts after every read of the pods
// (its restart count rises, the pod stays Running and Ready), so the
// restart counts never hold still. The case must fail that clause alone,
// within its startup bound.
func TestRestartingContainerFailsReady(t *testing.T) {
	plant, err := testenv.LivePlantNamed("restarting-container")
	if err != nil {
		t.Fatal(err)
	}
	const settle, bound = 300 * time.Millisecond, 3 * time.Second
	ns := loadNamespace(t, "")
	r := &restarter{pods: kubernetes.NewForConfigOrDie(api.Config).CoreV1().Pods(ns), pod: "rocketmq-cluster-broker-d4p-0",
		container: "jmx-exporter", list: "/api/v1/namespaces/" + ns + "/pods"}
	cfg := rest.CopyConfig(api.Config)
	cfg.Wrap(r.wrap)
	tgt, err := kube.New(context.Background(), cfg, ns, "rocketmq-cluster", kube.WithRoleSettle(settle), kube.WithDialTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	cases, err := scenarios.Select("^cluster/ready$")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results := scenarios.Execute(context.Background(), tgt, cases, scenarios.WithStartupAllowance(bound))
	took := time.Since(start)
	if n, err := r.done(); err != nil || n < 2 {
		t.Fatalf("the plant did not run: %d restarts, %v", n, err)
	}
	testenv.ExpectLivePlant(t, plant, results)
	t.Logf("cluster/ready %s after %s: %.300s", results[0].Status, took.Round(time.Millisecond), results[0].Observed)
}

// restarter raises a container's restart count each time the target has
// listed the namespace's pods, after the list was served.
type restarter struct {
	pods      typedcorev1.PodInterface // a client of its own, not wrapped
	pod       string
	container string
	list      string

	mu       sync.Mutex
	restarts int
	err      error
}

func (r *restarter) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil && req.Method == http.MethodGet && req.URL.Path == r.list {
			resp = readWhole(resp)
			r.restart(req.Context())
		}
		return resp, err
	})
}

func (r *restarter) restart(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	p, err := r.pods.Get(ctx, r.pod, metav1.GetOptions{})
	if err != nil {
		r.err = err
		return
	}
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == r.container {
			p.Status.ContainerStatuses[i].RestartCount++
		}
	}
	if _, err := r.pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		r.err = fmt.Errorf("restart %s/%s: %w", r.pod, r.container, err)
		return
	}
	r.restarts++
}

func (r *restarter) done() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restarts, r.err
}

// TestKilledPodNotBackFailsWithEvidence: a killed broker that the platform
// never recreates (envtest has no controller) is a *kube.NotBack within
// the bound, saying what was awaited and how the pod stands, not a wait
// to the case's timeout.
func TestKilledPodNotBackFailsWithEvidence(t *testing.T) {
	const within = 2 * time.Second
	tgt, _ := newTarget(t, "", kube.WithBackWithin(within))
	ctx := context.Background()
	b := target.Broker{Shard: "broker-d4p", Ordinal: 1, Pod: "rocketmq-cluster-broker-d4p-1"}
	if err := tgt.Kill(ctx, b); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := tgt.AwaitBack(ctx, b)
	took := time.Since(start)
	var nb *kube.NotBack
	if !errors.As(err, &nb) {
		t.Fatalf("AwaitBack = %v, want a *kube.NotBack", err)
	}
	for _, s := range []string{"pod rocketmq-cluster-broker-d4p-1 not back within 2s", "not recreated yet", "not found"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the error lacks %q: %v", s, err)
		}
	}
	t.Logf("not back after %s: %v", took.Round(time.Millisecond), err)
}
