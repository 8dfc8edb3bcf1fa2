package kube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// Restart implements target.Operator: a Restart OpsRequest for
// component (the broker sharding by its name, which KubeBlocks applies to
// every shard; or namesrv), watched until it ends or ctx does. Every new
// pod of the component is an incarnation, stamped with the API server's
// times (its creation, its Ready condition's last transition).
func (t *Target) Restart(ctx context.Context, component string) (target.Operation, error) {
	op := target.Operation{Component: component, Start: time.Now()}
	if component != target.ComponentBroker && component != target.ComponentNamesrv {
		return op, fmt.Errorf("restart: no component %q: expected %s or %s", component, target.ComponentBroker, target.ComponentNamesrv)
	}
	before, err := t.componentPods(ctx, component)
	if err != nil {
		return op, err
	}
	seen := map[types.UID]bool{}
	for _, p := range before {
		op.Pods = append(op.Pods, p.Name)
		seen[p.UID] = true
	}
	o := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
		"metadata": map[string]any{"generateName": t.cluster + "-restart-" + component + "-", "namespace": t.ns},
		"spec": map[string]any{"clusterName": t.cluster, "type": "Restart",
			"restart": []any{map[string]any{"componentName": component}}},
	}}
	created, err := t.dyn.Resource(kbapi.OpsRequest).Namespace(t.ns).Create(ctx, o, metav1.CreateOptions{})
	if err != nil {
		return op, fmt.Errorf("create a Restart OpsRequest for %s: %w", component, err)
	}
	op.Name = "OpsRequest " + created.GetName()
	w := &opsWatch{t: t, name: created.GetName(), component: component, seen: seen, incs: map[types.UID]*target.Incarnation{}}
	// The wait ends with the OpsRequest or with ctx (the case's bound):
	// either way the record says what was seen.
	wait.Until(ctx, time.Second, op.Name+" to end", w.poll)
	op.End, op.Phase = time.Now(), w.phase
	op.Incarnations = w.sorted()
	op.Evidence = w.evidence(context.WithoutCancel(ctx))
	return op, nil
}

// componentPods lists the pods of component: every shard's for the
// broker sharding.
func (t *Target) componentPods(ctx context.Context, component string) ([]corev1.Pod, error) {
	sel := target.LabelInstance + "=" + t.cluster + "," + target.LabelComponent + "=" + component
	if component == target.ComponentBroker {
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
	seen      map[types.UID]bool // the pods as they were before
	incs      map[types.UID]*target.Incarnation
	pods      []corev1.Pod
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
	if w.seen[p.UID] {
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
	var out []target.Incarnation
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
