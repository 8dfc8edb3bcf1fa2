package kube

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// Restart implements target.Operator: a Restart OpsRequest for
// component (the broker sharding by its name, which KubeBlocks applies to
// every shard; or namesrv), watched until it ends or ctx does.
func (t *Target) Restart(ctx context.Context, component string) (target.Operation, error) {
	if component != target.ComponentBroker && component != target.ComponentNamesrv {
		return target.Operation{Component: component}, fmt.Errorf("restart: no component %q: expected %s or %s", component, target.ComponentBroker, target.ComponentNamesrv)
	}
	return t.operate(ctx, component, "Restart", map[string]any{"restart": []any{map[string]any{"componentName": component}}})
}

// Reconfigure implements target.Operator: a Reconfiguring OpsRequest
// setting params on component (the broker sharding: every shard).
// KubeBlocks refusing it when asked (a parameter the addon's
// ParametersDefinition holds immutable, say) is an operation that ended
// Failed, with the refusal as its evidence.
func (t *Target) Reconfigure(ctx context.Context, component string, params map[string]string) (target.Operation, error) {
	if component != target.ComponentBroker {
		return target.Operation{Component: component}, fmt.Errorf("reconfigure: no parameters for component %q: expected %s", component, target.ComponentBroker)
	}
	var pairs []any
	for _, k := range slices.Sorted(maps.Keys(params)) {
		pairs = append(pairs, map[string]any{"key": k, "value": params[k]})
	}
	return t.operate(ctx, component, "Reconfiguring", map[string]any{"reconfigures": []any{map[string]any{"componentName": component, "parameters": pairs}}})
}

// Stop implements target.Operator: a Stop OpsRequest for the whole
// Cluster.
func (t *Target) Stop(ctx context.Context) (target.Operation, error) {
	return t.operate(ctx, target.ComponentCluster, "Stop", nil)
}

// Start implements target.Operator: a Start OpsRequest for the whole
// Cluster.
func (t *Target) Start(ctx context.Context) (target.Operation, error) {
	return t.operate(ctx, target.ComponentCluster, "Start", nil)
}

// operate creates an OpsRequest of type kind with spec fields extra for
// component, and watches it until it ends or ctx does (the case's bound):
// either way the record says what was seen. Every new pod of the
// component, and every container restart in one, is an incarnation,
// stamped with the API server's times.
func (t *Target) operate(ctx context.Context, component, kind string, extra map[string]any) (target.Operation, error) {
	op := target.Operation{Component: component, Start: time.Now()}
	// KubeBlocks refuses most OpsRequests while the Cluster is not
	// Running (seen on kind: a scale-in right after a scale-out that
	// said Succeed, refused as the Cluster was still Updating). A user
	// waits for it; so does the operation, within its own bound.
	want := "Running"
	if kind == "Start" {
		want = "Stopped"
	}
	if seen, err := t.awaitClusterPhase(ctx, want); err != nil {
		op.End, op.Name = time.Now(), "OpsRequest "+kind+" (not asked)"
		op.Evidence = []string{fmt.Sprintf("the Cluster was not %s to take the %s OpsRequest: %v (last phase %q)", want, kind, err, seen)}
		return op, nil
	}
	before, err := t.componentPods(ctx, component)
	if err != nil {
		return op, err
	}
	w := &opsWatch{t: t, component: component, seen: map[types.UID]int32{}, incs: map[types.UID]*target.Incarnation{}}
	for _, p := range before {
		op.Pods = append(op.Pods, p.Name)
		w.seen[p.UID] = restarts(&p)
	}
	spec := map[string]any{"clusterName": t.cluster, "type": kind}
	maps.Copy(spec, extra)
	o := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
		"metadata": map[string]any{"generateName": t.cluster + "-" + strings.ToLower(kind) + "-" + component + "-", "namespace": t.ns},
		"spec":     spec,
	}}
	created, err := t.dyn.Resource(kbapi.OpsRequest).Namespace(t.ns).Create(ctx, o, metav1.CreateOptions{})
	if refused(err) {
		op.End, op.Phase, op.Name = time.Now(), "Failed", "OpsRequest "+kind+" (refused)"
		op.Evidence = []string{fmt.Sprintf("the API server refused the %s OpsRequest: %v", kind, err)}
		return op, nil
	}
	if err != nil {
		return op, fmt.Errorf("create a %s OpsRequest for %s: %w", kind, component, err)
	}
	op.Name = "OpsRequest " + created.GetName()
	w.name = created.GetName()
	wait.Until(ctx, time.Second, op.Name+" to end", w.poll)
	op.End, op.Phase = time.Now(), w.phase
	op.Incarnations = w.sorted()
	for _, p := range w.pods {
		op.Remaining = append(op.Remaining, p.Name)
	}
	octx := context.WithoutCancel(ctx)
	op.Stores = t.stores(octx)
	op.Evidence = w.evidence(octx)
	return op, nil
}

// refused reports whether the API server (or KubeBlocks' webhook) refused
// an object as asked for, not failed to take it.
func refused(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err)
}

// stores names the Cluster's PVCs with their UIDs.
func (t *Target) stores(ctx context.Context) map[string]string {
	out := map[string]string{}
	l, err := t.cs.CoreV1().PersistentVolumeClaims(t.ns).List(ctx, metav1.ListOptions{LabelSelector: target.LabelInstance + "=" + t.cluster})
	if err != nil {
		out["(list)"] = err.Error()
		return out
	}
	for _, c := range l.Items {
		out[c.Name] = string(c.UID)
	}
	return out
}

// restarts is how many times p's containers restarted.
func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

// componentPods lists the pods of component: every shard's for the
// broker sharding.
func (t *Target) componentPods(ctx context.Context, component string) ([]corev1.Pod, error) {
	sel := target.LabelInstance + "=" + t.cluster + "," + target.LabelComponent + "=" + component
	switch component {
	case target.ComponentCluster:
		sel = target.LabelInstance + "=" + t.cluster
	case target.ComponentBroker:
		sel = target.LabelInstance + "=" + t.cluster + "," + target.LabelShardingName + "=" + component
	}
	l, err := t.cs.CoreV1().Pods(t.ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("list the pods of %s: %w", component, err)
	}
	slices.SortFunc(l.Items, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return l.Items, nil
}

// opsWatch follows one OpsRequest and the pods of its component.
type opsWatch struct {
	t         *Target
	name      string
	component string
	phase     string
	seen      map[types.UID]int32 // the pods as they were before, with their restarts
	incs      map[types.UID]*target.Incarnation
	pods      []corev1.Pod
	restarted []target.Incarnation // container restarts in the pods of before
}

func (w *opsWatch) poll(ctx context.Context) (bool, string, error) {
	o, err := w.t.dyn.Resource(kbapi.OpsRequest).Namespace(w.t.ns).Get(ctx, w.name, metav1.GetOptions{})
	if err != nil {
		return false, wait.Reason(err), nil
	}
	w.phase, _, _ = unstructured.NestedString(o.Object, "status", "phase")
	pods, err := w.t.componentPods(ctx, w.component)
	if err != nil {
		return false, wait.Reason(err), nil
	}
	w.pods = pods
	for i := range pods {
		w.observe(&pods[i])
	}
	return target.OpEnded(w.phase), "phase " + w.phase, nil
}

// observe records a pod that did not exist before the OpsRequest, and
// when it became Ready.
func (w *opsWatch) observe(p *corev1.Pod) {
	if n, ok := w.seen[p.UID]; ok {
		// A container restarted in place (a reload gone wrong, a crash):
		// an incarnation too, started when the container last did.
		for ; n < restarts(p); n++ {
			w.restarted = append(w.restarted, target.Incarnation{Pod: p.Name, Started: lastStarted(p)})
		}
		w.seen[p.UID] = n
		return
	}
	inc, ok := w.incs[p.UID]
	if !ok {
		inc = &target.Incarnation{Pod: p.Name, Started: p.CreationTimestamp.Time}
		w.incs[p.UID] = inc
	}
	if inc.Ready.IsZero() && target.PodReady(p) {
		inc.Ready = time.Now()
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				inc.Ready = c.LastTransitionTime.Time
			}
		}
	}
}

func (w *opsWatch) sorted() []target.Incarnation {
	out := slices.Clone(w.restarted)
	for _, inc := range w.incs {
		out = append(out, *inc)
	}
	slices.SortFunc(out, func(a, b target.Incarnation) int { return a.Started.Compare(b.Started) })
	return out
}

// evidence is what a maintainer needs when the OpsRequest did not
// succeed: its conditions and progress, and each pod's state.
func (w *opsWatch) evidence(ctx context.Context) []string {
	if w.phase == target.OpSucceeded {
		return nil
	}
	var out []string
	if o, err := w.t.dyn.Resource(kbapi.OpsRequest).Namespace(w.t.ns).Get(ctx, w.name, metav1.GetOptions{}); err == nil {
		progress, _, _ := unstructured.NestedString(o.Object, "status", "progress")
		out = append(out, fmt.Sprintf("OpsRequest %s: phase %q, progress %q", w.name, w.phase, progress))
		conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok {
				out = append(out, fmt.Sprintf("condition %v=%v (%v): %v", m["type"], m["status"], m["reason"], m["message"]))
			}
		}
	}
	for i := range w.pods {
		out = append(out, target.DescribePod(&w.pods[i]))
	}
	return out
}

// lastStarted is when p's most recently started container started.
func lastStarted(p *corev1.Pod) time.Time {
	var at time.Time
	for _, c := range p.Status.ContainerStatuses {
		if r := c.State.Running; r != nil && r.StartedAt.After(at) {
			at = r.StartedAt.Time
		}
	}
	return at
}

// awaitClusterPhase waits until the Cluster reports phase want, and
// returns the last phase seen.
func (t *Target) awaitClusterPhase(ctx context.Context, want string) (string, error) {
	var seen string
	err := wait.Until(ctx, time.Second, "Cluster "+t.cluster+" to be "+want, func(ctx context.Context) (bool, string, error) {
		cl, err := t.dyn.Resource(kbapi.Cluster).Namespace(t.ns).Get(ctx, t.cluster, metav1.GetOptions{})
		if err != nil {
			return false, wait.Reason(err), nil
		}
		seen, _, _ = unstructured.NestedString(cl.Object, "status", "phase")
		return seen == want, "phase " + seen, nil
	})
	return seen, err
}
