package kube

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// ExpandVolumes implements target.Operator: a VolumeExpansion OpsRequest
// growing component's data volumes (the broker pods' PVCs; the addon
// gives the namesrvs none) to their largest request plus by. A StorageClass that does not allow
// expansion is a *Cannot naming it: KubeBlocks would accept the request
// and never finish it.
func (t *Target) ExpandVolumes(ctx context.Context, component, by string) (target.Operation, error) {
	op := target.Operation{Component: component}
	claims, err := t.dataClaims(ctx, component)
	if err != nil {
		return op, err
	}
	if len(claims) == 0 {
		return op, target.Cannotf(verdict.Operations, "the %s pods have no persistent volume to expand", component)
	}
	if why, err := t.notExpandable(ctx, claims); err != nil || why != "" {
		if err != nil {
			return op, err
		}
		return op, target.Cannotf(verdict.Operations, "%s", why)
	}
	size, err := t.grown(ctx, claims, by)
	if err != nil {
		return op, err
	}
	vct := map[string]any{"name": claims[0].template, "storage": size}
	spec := map[string]any{"componentName": component, "volumeClaimTemplates": []any{vct}}
	before := t.stores(ctx)
	op, err = t.operate(ctx, component, "VolumeExpansion", map[string]any{"volumeExpansion": []any{spec}})
	op.StoresBefore = before
	if err != nil {
		return op, err
	}
	op.Capacities, op.Requested = t.capacities(context.WithoutCancel(ctx), claims), size
	return op, nil
}

// grown is the largest storage request of claims plus by.
func (t *Target) grown(ctx context.Context, claims []dataClaim, by string) (string, error) {
	add, err := resource.ParseQuantity(by)
	if err != nil {
		return "", fmt.Errorf("volume expansion by %q: %w", by, err)
	}
	var top resource.Quantity
	for _, c := range claims {
		pvc, err := t.cs.CoreV1().PersistentVolumeClaims(t.ns).Get(ctx, c.name, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("read PVC %s: %w", c.name, err)
		}
		if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.Cmp(top) > 0 {
			top = q
		}
	}
	top.Add(add)
	return top.String(), nil
}

// dataClaim is one pod's PVC, with the volume claim template it came from
// (the pod's volume name, which KubeBlocks gives the template's).
type dataClaim struct {
	pod, name, template string
}

// dataClaims lists the PVCs the pods of component mount.
func (t *Target) dataClaims(ctx context.Context, component string) ([]dataClaim, error) {
	pods, err := t.componentPods(ctx, component)
	if err != nil {
		return nil, err
	}
	var out []dataClaim
	for _, p := range pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				out = append(out, dataClaim{pod: p.Name, name: v.PersistentVolumeClaim.ClaimName, template: v.Name})
			}
		}
	}
	return out, nil
}

// notExpandable says which StorageClasses of claims do not allow volume
// expansion, and for which PVCs, or "".
func (t *Target) notExpandable(ctx context.Context, claims []dataClaim) (string, error) {
	fixed := map[string][]string{} // why -> PVCs
	for _, c := range claims {
		pvc, err := t.cs.CoreV1().PersistentVolumeClaims(t.ns).Get(ctx, c.name, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("read PVC %s: %w", c.name, err)
		}
		class := ""
		if pvc.Spec.StorageClassName != nil {
			class = *pvc.Spec.StorageClassName
		}
		if class == "" {
			fixed["no StorageClass"] = append(fixed["no StorageClass"], c.name)
			continue
		}
		sc, err := t.cs.StorageV1().StorageClasses().Get(ctx, class, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("read StorageClass %s of PVC %s: %w", class, c.name, err)
		}
		if sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion {
			why := fmt.Sprintf("StorageClass %s (provisioner %s) does not allow volume expansion", class, sc.Provisioner)
			fixed[why] = append(fixed[why], c.name)
		}
	}
	var out []string
	for _, why := range slices.Sorted(maps.Keys(fixed)) {
		out = append(out, fmt.Sprintf("%s (PVCs %s)", why, strings.Join(fixed[why], ", ")))
	}
	return strings.Join(out, "; "), nil
}

// capacities reads each claim's capacity as its status reports it.
func (t *Target) capacities(ctx context.Context, claims []dataClaim) map[string]string {
	out := map[string]string{}
	for _, c := range claims {
		pvc, err := t.cs.CoreV1().PersistentVolumeClaims(t.ns).Get(ctx, c.name, metav1.GetOptions{})
		if err != nil {
			out[c.name] = "unread: " + err.Error()
			continue
		}
		q := pvc.Status.Capacity[corev1.ResourceStorage]
		out[c.name] = q.String()
	}
	return out
}
