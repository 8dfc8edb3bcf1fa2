package kube

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/target"
)

// Snapshot implements target.ObjectSource: the Cluster and what it owns
// in its namespace, read now.
func (t *Target) Snapshot(ctx context.Context) (*target.Snapshot, error) {
	s := &target.Snapshot{Source: fmt.Sprintf("namespace %s on %s", t.ns, t.host)}
	cl, err := t.dyn.Resource(kbapi.Cluster).Namespace(t.ns).Get(ctx, t.cluster, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get Cluster %s/%s: %w", t.ns, t.cluster, err)
	}
	s.Cluster = cl
	sel := metav1.ListOptions{LabelSelector: target.LabelInstance + "=" + t.cluster}
	list := func(gvr schema.GroupVersionResource) ([]unstructured.Unstructured, error) {
		l, err := t.dyn.Resource(gvr).Namespace(t.ns).List(ctx, sel)
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", gvr.Resource, t.ns, err)
		}
		return l.Items, nil
	}
	if s.Components, err = list(kbapi.Component); err != nil {
		return nil, err
	}
	if s.InstanceSets, err = list(kbapi.InstanceSet); err != nil {
		return nil, err
	}
	core := t.cs.CoreV1()
	pods, err := core.Pods(t.ns).List(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", t.ns, err)
	}
	s.Pods = pods.Items
	// Services, PVCs and Secrets are listed whole: one that lacks the
	// instance label but belongs by name must still be seen.
	svcs, err := core.Services(t.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list services in %s: %w", t.ns, err)
	}
	s.Services = svcs.Items
	pvcs, err := core.PersistentVolumeClaims(t.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list PVCs in %s: %w", t.ns, err)
	}
	s.PVCs = pvcs.Items
	secrets, err := core.Secrets(t.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list secrets in %s: %w", t.ns, err)
	}
	s.Secrets = secrets.Items
	evs, err := core.Events(t.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list events in %s: %w", t.ns, err)
	}
	s.Events = evs.Items
	return s, nil
}

// Settle implements target.ObjectSource.
func (t *Target) Settle() time.Duration { return t.settle }
