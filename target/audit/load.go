// Package audit is the audit target: the layout and accounts cases over a
// folder of object dumps, so a captured cluster can be checked without
// access to it.
package audit

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rmqkb/conformance/target"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// Load reads every .yaml, .yml and .json file under dir: single objects,
// multi-document YAML and Lists, as `kubectl get ... -o yaml|json` writes
// them. It keeps the objects of namespace ns (or with no namespace), picks
// the Cluster named cluster, and errors on a file it cannot read, naming it.
func Load(dir, ns, cluster string) (*target.Snapshot, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--from %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--from %s: not a folder", dir)
	}
	var objs []unstructured.Unstructured
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(path))
		if d.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := decode(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		files++
		objs = append(objs, got...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if files == 0 {
		return nil, fmt.Errorf("--from %s: no .yaml, .yml or .json files", dir)
	}
	s := &target.Snapshot{Source: fmt.Sprintf("%d objects in %d files under %s", len(objs), files, dir)}
	var clusters []unstructured.Unstructured
	for i := range objs {
		o := &objs[i]
		if o.GetNamespace() != "" && o.GetNamespace() != ns {
			continue
		}
		if err := add(s, &clusters, o); err != nil {
			return nil, err
		}
	}
	for i := range clusters {
		if clusters[i].GetName() == cluster {
			s.Cluster = &clusters[i]
		}
	}
	if s.Cluster == nil {
		return nil, fmt.Errorf("--from %s: no Cluster %s in namespace %s (found: %s)", dir, cluster, ns, strings.Join(clusterNames(clusters), ", "))
	}
	return s, nil
}

// decode splits a file into objects, unrolling Lists.
func decode(data []byte) ([]unstructured.Unstructured, error) {
	var out []unstructured.Unstructured
	for i, doc := range splitYAML(data) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if m == nil {
			continue
		}
		u := unstructured.Unstructured{Object: m}
		if strings.HasSuffix(u.GetKind(), "List") {
			items, _, _ := unstructured.NestedSlice(m, "items")
			for j, it := range items {
				im, ok := it.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("document %d: item %d is not an object", i+1, j)
				}
				out = append(out, unstructured.Unstructured{Object: im})
			}
			continue
		}
		if u.GetKind() == "" {
			return nil, fmt.Errorf("document %d has no kind", i+1)
		}
		out = append(out, u)
	}
	return out, nil
}

// splitYAML splits on document separators ("---" lines).
func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if t := bytes.TrimRight(line, " \t\r\n"); bytes.Equal(t, []byte("---")) {
			docs = append(docs, cur)
			cur = nil
			continue
		}
		cur = append(cur, line...)
	}
	return append(docs, cur)
}

// add files an object into the snapshot by kind.
func add(s *target.Snapshot, clusters *[]unstructured.Unstructured, o *unstructured.Unstructured) error {
	conv := func(into any) error {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
			return fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		return nil
	}
	group := strings.Split(o.GetAPIVersion(), "/")[0]
	switch {
	case o.GetKind() == "Cluster" && group == "apps.kubeblocks.io":
		*clusters = append(*clusters, *o)
	case o.GetKind() == "Component" && group == "apps.kubeblocks.io":
		s.Components = append(s.Components, *o)
	case o.GetKind() == "InstanceSet" && group == "workloads.kubeblocks.io":
		s.InstanceSets = append(s.InstanceSets, *o)
	case o.GetKind() == "Pod":
		var p corev1.Pod
		if err := conv(&p); err != nil {
			return err
		}
		s.Pods = append(s.Pods, p)
	case o.GetKind() == "Service":
		var v corev1.Service
		if err := conv(&v); err != nil {
			return err
		}
		s.Services = append(s.Services, v)
	case o.GetKind() == "PersistentVolumeClaim":
		var v corev1.PersistentVolumeClaim
		if err := conv(&v); err != nil {
			return err
		}
		s.PVCs = append(s.PVCs, v)
	case o.GetKind() == "Secret":
		var v corev1.Secret
		if err := conv(&v); err != nil {
			return err
		}
		s.Secrets = append(s.Secrets, v)
	}
	return nil
}

// clusterNames lists the KubeBlocks Clusters in a snapshot.
func clusterNames(cs []unstructured.Unstructured) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.GetName())
	}
	sort.Strings(out)
	return out
}
