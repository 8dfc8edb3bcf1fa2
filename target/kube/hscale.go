package kube

import (
	"context"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/target"
)

// HorizontalScale implements target.Operator: a HorizontalScaling
// OpsRequest adding or removing |delta| replicas of component, watched
// until it ends. For the namesrvs the record's Members are the namesrv
// pods left serving, at their pod IPs.
func (t *Target) HorizontalScale(ctx context.Context, component string, delta int) (target.Operation, error) {
	if component != target.ComponentNamesrv && component != target.ComponentBroker {
		return target.Operation{Component: component}, fmt.Errorf("horizontal scaling: no component %q: expected %s or %s", component, target.ComponentNamesrv, target.ComponentBroker)
	}
	if delta == 0 {
		return target.Operation{Component: component}, fmt.Errorf("horizontal scaling of %s by 0", component)
	}
	change := map[string]any{"replicaChanges": int64(abs(delta))}
	scale := map[string]any{"componentName": component}
	if delta > 0 {
		scale["scaleOut"] = change
	} else {
		scale["scaleIn"] = change
	}
	op, err := t.operate(ctx, component, "HorizontalScaling", map[string]any{"horizontalScaling": []any{scale}})
	if err != nil {
		return op, err
	}
	pods, err := t.componentPods(context.WithoutCancel(ctx), component)
	if err != nil {
		op.Evidence = append(op.Evidence, err.Error())
		return op, nil
	}
	op.Members = members(component, pods)
	return op, nil
}

// members are the pods of component still serving, at their pod IPs and
// the port clients use (namesrv: 9876; broker: 10911).
func members(component string, pods []corev1.Pod) map[string]string {
	container, port, def := "rocketmq-namesrv", "nameserver", int32(9876)
	if component == target.ComponentBroker {
		container, port, def = "rocketmq-broker", "broker", 10911
	}
	out := map[string]string{}
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && p.Status.PodIP != "" {
			out[p.Name] = net.JoinHostPort(p.Status.PodIP, strconv.Itoa(int(containerPort(p, container, port, def))))
		}
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ScaleShards implements target.Operator: a HorizontalScaling OpsRequest
// setting the broker sharding's shard count to its current one plus
// delta (KubeBlocks 1.0.2 takes an absolute count for a sharding). The
// record's Shards are the shard components after.
func (t *Target) ScaleShards(ctx context.Context, delta int) (target.Operation, error) {
	op := target.Operation{Component: target.ComponentBroker}
	if delta == 0 {
		return op, fmt.Errorf("shard scaling by 0")
	}
	now, err := t.shardCount(ctx)
	if err != nil {
		return op, err
	}
	scale := map[string]any{"componentName": target.ComponentBroker, "shards": int64(now + delta)}
	op, err = t.operate(ctx, target.ComponentBroker, "HorizontalScaling", map[string]any{"horizontalScaling": []any{scale}})
	if err != nil {
		return op, err
	}
	names, err := t.shardNames(context.WithoutCancel(ctx))
	if err != nil {
		op.Evidence = append(op.Evidence, err.Error())
	}
	op.Shards = names
	return op, nil
}

// shardCount is the broker sharding's shard count in the Cluster's spec.
func (t *Target) shardCount(ctx context.Context) (int, error) {
	cl, err := t.dyn.Resource(kbapi.Cluster).Namespace(t.ns).Get(ctx, t.cluster, metav1.GetOptions{})
	if err != nil {
		return 0, fmt.Errorf("read Cluster %s/%s: %w", t.ns, t.cluster, err)
	}
	shardings, _, _ := unstructured.NestedSlice(cl.Object, "spec", "shardings")
	for _, s := range shardings {
		m, _ := s.(map[string]any)
		if m["name"] == target.ComponentBroker {
			n, _, _ := unstructured.NestedInt64(m, "shards")
			return int(n), nil
		}
	}
	return 0, fmt.Errorf("Cluster %s/%s has no sharding %q", t.ns, t.cluster, target.ComponentBroker)
}
