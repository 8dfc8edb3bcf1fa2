package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Snapshot is what the layout and accounts cases read: the objects of one
// KubeBlocks RocketMQ Cluster's namespace, from a live API server or from
// object dumps.
type Snapshot struct {
	Source       string // where they came from, for evidence
	Cluster      *unstructured.Unstructured
	Components   []unstructured.Unstructured
	InstanceSets []unstructured.Unstructured
	Pods         []corev1.Pod
	Services     []corev1.Service
	PVCs         []corev1.PersistentVolumeClaim
	Secrets      []corev1.Secret
}

// ObjectSource is implemented by targets that can read Kubernetes objects
// (the Objects capability).
type ObjectSource interface {
	Snapshot(ctx context.Context) (*Snapshot, error)
	// Settle is how long role labels must hold still before they count:
	// two role-probe periods on a live API server, 0 for a dump, which
	// cannot change.
	Settle() time.Duration
}

// KubeBlocks labels the cases select by (facts sheet section 3).
const (
	LabelInstance     = "app.kubernetes.io/instance"
	LabelShardingName = "apps.kubeblocks.io/sharding-name"
	LabelComponent    = "apps.kubeblocks.io/component-name"
	LabelRole         = "kubeblocks.io/role"
)

// snapshot reads the target's objects or ends the case as errored.
func (t *T) snapshot(ctx context.Context) *Snapshot {
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

// shardNames returns the short names of the broker shard Components.
func (s *Snapshot) shardNames(cluster string) []string {
	var out []string
	for _, c := range s.Components {
		l := c.GetLabels()
		if l[LabelInstance] == cluster && l[LabelShardingName] == "broker" {
			out = append(out, strings.TrimPrefix(c.GetName(), cluster+"-"))
		}
	}
	sort.Strings(out)
	return out
}

// objectShards returns the short names of the snapshot's broker shards
// after checking their number against the topology: labels that drifted
// so that no shard is found fail the case, and end it, instead of leaving
// its loops nothing to walk (or judging names against shards it cannot
// see).
func (t *T) objectShards(s *Snapshot) []string {
	topo := t.Target.Topology()
	names := s.shardNames(topo.Cluster)
	if len(names) != topo.Shards {
		t.Fatalf(clauseObjects, "%d broker shard Components labelled %s=%s,%s=broker (%s); the Cluster asks for %d",
			len(names), LabelInstance, topo.Cluster, LabelShardingName, strings.Join(names, ", "), topo.Shards)
	}
	return names
}

// podCount is how many pods the Cluster asks for of a component, by its
// short name: the namesrv replicas, one exporter and one dashboard, and
// the replicas of each broker shard.
func (t *T) podCount(comp string) int {
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
func (t *T) objectPods(s *Snapshot, comp string) []corev1.Pod {
	c := t.Target.Topology().Cluster
	pods := s.podsOf(c, comp)
	if want := t.podCount(comp); len(pods) != want {
		t.Errorf(clauseObjects, "component %s has %d pods (%s); the Cluster asks for %d", comp, len(pods), podNames(pods), want)
	}
	return pods
}

// podsOf returns the pods of a component (short name), by ordinal.
func (s *Snapshot) podsOf(cluster, comp string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range s.Pods {
		if p.Labels[LabelInstance] == cluster && p.Labels[LabelComponent] == comp {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return ordinal(out[i].Name) < ordinal(out[j].Name) })
	return out
}

func (s *Snapshot) service(name string) *corev1.Service {
	for i := range s.Services {
		if s.Services[i].Name == name {
			return &s.Services[i]
		}
	}
	return nil
}

func (s *Snapshot) secret(name string) *corev1.Secret {
	for i := range s.Secrets {
		if s.Secrets[i].Name == name {
			return &s.Secrets[i]
		}
	}
	return nil
}

func (s *Snapshot) pvc(name string) *corev1.PersistentVolumeClaim {
	for i := range s.PVCs {
		if s.PVCs[i].Name == name {
			return &s.PVCs[i]
		}
	}
	return nil
}

// ordinal reads the ordinal at the end of a pod name, or -1.
func ordinal(pod string) int {
	i := strings.LastIndexByte(pod, '-')
	n, err := strconv.Atoi(pod[i+1:])
	if i < 0 || err != nil {
		return -1
	}
	return n
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
