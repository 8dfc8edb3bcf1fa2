package scenarios

import (
	"context"
	"fmt"
	"strings"

	"github.com/rmqkb/conformance/target"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// snapshotOf reads the target's objects or ends the case as errored.
func snapshotOf(ctx context.Context, t *T) *target.Snapshot {
	s, err := t.Target.Abilities().Objects.Snapshot(ctx)
	if err != nil {
		t.Erroredf("read the cluster's objects: %v", err)
	}
	if s.Cluster == nil {
		t.Erroredf("not judged: no Cluster %s in %s", t.Target.Topology().Cluster, s.Source)
	}
	t.Logf("objects from %s", s.Source)
	return s
}

// objectShards returns the short names of the snapshot's broker shards
// after checking their number against the topology: labels that drifted
// so that no shard is found fail the case, and end it, instead of leaving
// its loops nothing to walk (or judging names against shards it cannot
// see).
func objectShards(t *T, s *target.Snapshot) []string {
	topo := t.Target.Topology()
	names := s.ShardNames(topo.Cluster)
	if len(names) != topo.Shards {
		t.Fatalf(clauseObjects, "%d broker shard Components labelled %s=%s,%s=broker (%s); the Cluster asks for %d",
			len(names), target.LabelInstance, topo.Cluster, target.LabelShardingName, strings.Join(names, ", "), topo.Shards)
	}
	return names
}

// podCount is how many pods the Cluster asks for of a component, by its
// short name: the namesrv replicas, one exporter and one dashboard, and
// the replicas of each broker shard.
func podCount(t *T, comp string) int {
	topo := t.Target.Topology()
	switch comp {
	case "namesrv":
		return topo.Namesrvs
	case "exporter", "dashboard":
		return 1
	}
	return topo.Replicas
}

// objectPods returns a component's pods after checking their number
// against podCount.
func objectPods(t *T, s *target.Snapshot, comp string) []corev1.Pod {
	c := t.Target.Topology().Cluster
	pods := s.PodsOf(c, comp)
	if want := podCount(t, comp); len(pods) != want {
		t.Errorf(clauseObjects, "component %s has %d pods (%s); the Cluster asks for %d", comp, len(pods), podNames(pods), want)
	}
	return pods
}

// phase returns status.phase of an unstructured object.
func phase(u *unstructured.Unstructured) string {
	p, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	return p
}

// container returns the named container of a pod.
func container(p *corev1.Pod, name string) *corev1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return &p.Spec.Containers[i]
		}
	}
	return nil
}

func describePorts(ports []corev1.ServicePort) string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%s:%d", p.Name, p.Port))
	}
	return strings.Join(out, ",")
}
