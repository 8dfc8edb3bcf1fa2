package target

import (
	"context"
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
	// Events are the namespace's events, for evidence; a dump may have
	// none.
	Events []corev1.Event
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

// ShardNames returns the short names of the broker shard Components.
func (s *Snapshot) ShardNames(cluster string) []string {
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

// PodsOf returns the pods of a component (short name), by ordinal.
func (s *Snapshot) PodsOf(cluster, comp string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range s.Pods {
		if p.Labels[LabelInstance] == cluster && p.Labels[LabelComponent] == comp {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return Ordinal(out[i].Name) < Ordinal(out[j].Name) })
	return out
}

// Service returns the Service called name, or nil.
func (s *Snapshot) Service(name string) *corev1.Service { return named(s.Services, name) }

// Secret returns the Secret called name, or nil.
func (s *Snapshot) Secret(name string) *corev1.Secret { return named(s.Secrets, name) }

// PVC returns the PersistentVolumeClaim called name, or nil.
func (s *Snapshot) PVC(name string) *corev1.PersistentVolumeClaim { return named(s.PVCs, name) }

// named returns the object of objs called name, or nil.
func named[O any, P interface {
	*O
	GetName() string
}](objs []O, name string) *O {
	for i := range objs {
		if P(&objs[i]).GetName() == name {
			return &objs[i]
		}
	}
	return nil
}

// Ordinal reads the ordinal at the end of a pod name, or -1.
func Ordinal(pod string) int {
	i := strings.LastIndexByte(pod, '-')
	n, err := strconv.Atoi(pod[i+1:])
	if i < 0 || err != nil {
		return -1
	}
	return n
}
