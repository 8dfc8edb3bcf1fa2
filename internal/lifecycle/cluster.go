package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/manifests"
)

var (
	crdGVR         = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	clusterGVR     = kbapi.Cluster
	cmpdGVR        = kbapi.ComponentDefinition
	clusterDefGVR  = kbapi.ClusterDefinition
	shardingDefGVR = kbapi.ShardingDefinition
)

// kubeBlocksCRDs are the CRDs a rocketmq Cluster needs to be created and
// resolved (KubeBlocks' chart crds/ folder).
var kubeBlocksCRDs = []string{
	"clusters.apps.kubeblocks.io",
	"components.apps.kubeblocks.io",
	"componentdefinitions.apps.kubeblocks.io",
	"clusterdefinitions.apps.kubeblocks.io",
	"shardingdefinitions.apps.kubeblocks.io",
}

// addonCmpdPrefixes are the ComponentDefinitions of the addon a Cluster of
// the manifest cannot do without (facts sheet section 2: rocketmq-namesrv-4-<chart>,
// rocketmq-broker-4-<chart>).
var addonCmpdPrefixes = []string{"rocketmq-namesrv-", "rocketmq-broker-"}

// The poll periods of a run.
const (
	pollInterval     = 5 * time.Second
	progressInterval = 15 * time.Second
)

// periods are how often the waits poll the API server (poll) and print
// progress (at most every progress): a run's are pollInterval and
// progressInterval, a test's shorter.
type periods struct{ poll, progress time.Duration }

// waitForAddon waits until the KubeBlocks CRDs are established and the
// addon's definitions are there: the ClusterDefinition rocketmq, the
// ShardingDefinition rocketmq-broker and the rocketmq- ComponentDefinitions
// for namesrv and broker, each Available. A Cluster created earlier would be
// rejected (no CRD) or sit unresolved.
func waitForAddon(ctx context.Context, cfg *rest.Config, progress io.Writer, every periods) error {
	if progress == nil {
		progress = io.Discard
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	p := newThrottle(progress, every.progress)
	// A failed request (API server busy, client throttled) says nothing
	// about the condition: the reason kept for the timeout error is the
	// last real observation.
	var last string
	apiErr := func(err error) (bool, string, error) { return false, or(last, err.Error()), nil }
	err = wait.Until(ctx, every.poll/2, "the KubeBlocks CRDs to be established", func(ctx context.Context) (bool, string, error) {
		var missing []string
		for _, name := range kubeBlocksCRDs {
			crd, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return apiErr(err)
			}
			if err != nil || !established(crd) {
				missing = append(missing, name)
			}
		}
		last = "not established: " + strings.Join(missing, ", ")
		if len(missing) > 0 {
			p.print("  waiting for CRDs, " + last)
		}
		return len(missing) == 0, last, nil
	})
	if err != nil {
		return err
	}
	last = ""
	return wait.Until(ctx, every.poll/2, "the rocketmq addon's definitions", func(ctx context.Context) (bool, string, error) {
		var notes []string
		for _, d := range []struct {
			gvr  schema.GroupVersionResource
			name string
		}{{clusterDefGVR, "rocketmq"}, {shardingDefGVR, "rocketmq-broker"}} {
			_, err := dyn.Resource(d.gvr).Get(ctx, d.name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				notes = append(notes, fmt.Sprintf("%s %s not found", d.gvr.Resource, d.name))
			} else if err != nil {
				return apiErr(err)
			}
		}
		l, err := dyn.Resource(cmpdGVR).List(ctx, metav1.ListOptions{})
		if err != nil {
			return apiErr(err)
		}
		for _, prefix := range addonCmpdPrefixes {
			var seen []string
			ok := false
			for _, it := range l.Items {
				if !strings.HasPrefix(it.GetName(), prefix) {
					continue
				}
				phase, _, _ := unstructured.NestedString(it.Object, "status", "phase")
				seen = append(seen, fmt.Sprintf("%s %s", it.GetName(), or(phase, "(no phase)")))
				ok = ok || phase == "Available"
			}
			if !ok {
				if len(seen) == 0 {
					seen = []string{"none"}
				}
				notes = append(notes, fmt.Sprintf("componentdefinition %s* Available: %s", prefix, strings.Join(seen, ", ")))
			}
		}
		last = strings.Join(notes, "; ")
		if len(notes) > 0 {
			p.print("  waiting for the addon: " + last)
		}
		return len(notes) == 0, last, nil
	})
}

func established(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// addonWait bounds the wait for the addon's definitions, a part of the
// chart's install (measured on kind: Available within 6 s of the install).
const addonWait = 3 * time.Minute

// CreateCluster creates the Cluster of m once the addon's definitions are
// there, and returns when the API server has accepted it. What KubeBlocks
// then makes of it (Running, pods Ready, roles labelled) is not awaited
// here: that is the addon's promise, judged by cluster/ready within its
// bound, where a failure is the addon's and not the suite's setup.
// Namespace and Cluster that exist already are reused.
func CreateCluster(ctx context.Context, cfg *rest.Config, m manifests.Cluster, progress io.Writer) error {
	return createCluster(ctx, cfg, m, progress, periods{pollInterval, progressInterval})
}

// AwaitRunning waits until the Cluster of m is Running, printing at most
// every 15 s the Cluster phase and each component and sharding phase;
// when ctx ends it fails with the last status seen. `up` uses it, to hand
// a person a cluster that runs; a run judges the same in cluster/ready.
func AwaitRunning(ctx context.Context, cfg *rest.Config, m manifests.Cluster, progress io.Writer) error {
	return awaitRunning(ctx, cfg, m, progress, periods{pollInterval, progressInterval})
}

func createCluster(ctx context.Context, cfg *rest.Config, m manifests.Cluster, progress io.Writer, every periods) error {
	if progress == nil {
		progress = io.Discard
	}
	actx, cancel := context.WithTimeout(ctx, addonWait)
	err := waitForAddon(actx, cfg, progress, every)
	cancel()
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: m.Namespace}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", m.Namespace, err)
	}

	obj, err := clusterObject(m)
	if err != nil {
		return err
	}
	res := dyn.Resource(clusterGVR).Namespace(m.Namespace)
	what := fmt.Sprintf("Cluster %s/%s", m.Namespace, m.Name)
	// KubeBlocks' webhook may answer late after Helm's wait; retry what the
	// server reports as transient.
	err = wait.Until(ctx, every.poll/2, "the API server to accept "+what, func(ctx context.Context) (bool, string, error) {
		_, err := res.Create(ctx, obj, metav1.CreateOptions{})
		switch {
		case err == nil:
			fmt.Fprintf(progress, "  created %s\n", what)
			return true, "", nil
		case apierrors.IsAlreadyExists(err):
			fmt.Fprintf(progress, "  %s exists already: reusing it\n", what)
			return true, "", nil
		case transient(err):
			return false, wait.Reason(err), nil
		}
		return false, "", fmt.Errorf("create %s: %w", what, err)
	})
	return err
}

func awaitRunning(ctx context.Context, cfg *rest.Config, m manifests.Cluster, progress io.Writer, every periods) error {
	if progress == nil {
		progress = io.Discard
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	res := dyn.Resource(clusterGVR).Namespace(m.Namespace)
	what := fmt.Sprintf("Cluster %s/%s", m.Namespace, m.Name)
	p := newThrottle(progress, every.progress)
	var last string
	err = wait.Until(ctx, every.poll, what+" to be Running", func(ctx context.Context) (bool, string, error) {
		cl, err := res.Get(ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return false, "", fmt.Errorf("%s disappeared", what)
			}
			return false, or(last, err.Error()), nil
		}
		last = clusterStatus(cl)
		p.print("  " + what + ": " + last)
		phase, _, _ := unstructured.NestedString(cl.Object, "status", "phase")
		return phase == "Running", last, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "  %s: %s\n", what, last)
	return nil
}

// clusterObject is the Cluster to create: a deep copy of the manifest's
// object (through JSON, which also turns Go ints into numbers) with its
// namespace set.
func clusterObject(m manifests.Cluster) (*unstructured.Unstructured, error) {
	data, err := json.Marshal(m.Object)
	if err != nil {
		return nil, fmt.Errorf("encode the Cluster manifest: %w", err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("decode the Cluster manifest: %w", err)
	}
	u.SetNamespace(m.Namespace)
	u.SetName(m.Name)
	u.SetResourceVersion("")
	delete(u.Object, "status")
	return u, nil
}

func transient(err error) bool {
	return apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsNotFound(err)
}

// clusterStatus renders status as "phase Creating; namesrv Running, broker
// (sharding) Creating".
func clusterStatus(cl *unstructured.Unstructured) string {
	phase, _, _ := unstructured.NestedString(cl.Object, "status", "phase")
	var parts []string
	for _, kind := range []struct{ field, suffix string }{{"components", ""}, {"shardings", " (sharding)"}} {
		m, _, _ := unstructured.NestedMap(cl.Object, "status", kind.field)
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			st, _ := m[n].(map[string]any)
			p, _ := st["phase"].(string)
			parts = append(parts, n+kind.suffix+" "+or(p, "(no phase)"))
		}
	}
	s := "phase " + or(phase, "(none yet)")
	if len(parts) > 0 {
		s += "; " + strings.Join(parts, ", ")
	}
	conds, _, _ := unstructured.NestedSlice(cl.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if msg, _ := cm["message"].(string); cm["status"] == "False" && msg != "" {
			s += fmt.Sprintf("; %v: %s", cm["type"], oneLine(msg))
		}
	}
	return s
}

// throttle prints a line at most every period, and a changed line only
// after the same wait.
type throttle struct {
	w      io.Writer
	period time.Duration
	last   time.Time
}

func newThrottle(w io.Writer, period time.Duration) *throttle { return &throttle{w: w, period: period} }

func (t *throttle) print(s string) {
	if !t.last.IsZero() && time.Since(t.last) < t.period {
		return
	}
	t.last = time.Now()
	fmt.Fprintln(t.w, s)
}
