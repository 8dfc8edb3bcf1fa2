package manifests

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rmqkb/conformance/internal/topology"
)

// Component is what the targets need of one component or sharding template.
type Component struct {
	Replicas       int
	ServiceVersion string
	MemoryLimit    int64 // bytes
}

// Cluster is a parsed apps.kubeblocks.io/v1 Cluster of clusterDef rocketmq.
// It keeps the whole object so the kube target can create it as written,
// with the shape flags applied.
type Cluster struct {
	Name      string
	Namespace string
	Namesrv   Component
	Shards    int
	Broker    Component
	Object    map[string]any
	// mode is the Object's annotation read once, by ParseCluster, and
	// changed only by WithMode, which writes the annotation with it: one
	// value for the object and every reader, never re-read or out of step.
	mode topology.Mode
}

// ParseCluster reads and checks a Cluster manifest; source names it in errors.
func ParseCluster(data []byte, source string) (Cluster, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return Cluster{}, fmt.Errorf("manifest %s: not YAML: %w", source, err)
	}
	bad := func(format string, args ...any) (Cluster, error) {
		return Cluster{}, fmt.Errorf("manifest %s: %s", source, fmt.Sprintf(format, args...))
	}
	if got := str(obj, "apiVersion"); got != "apps.kubeblocks.io/v1" {
		return bad("apiVersion is %q, expected apps.kubeblocks.io/v1", got)
	}
	if got := str(obj, "kind"); got != "Cluster" {
		return bad("kind is %q, expected Cluster", got)
	}
	c := Cluster{Name: str(obj, "metadata", "name"), Namespace: str(obj, "metadata", "namespace"), Object: obj}
	if c.Name == "" {
		return bad("metadata.name is empty")
	}
	if c.Namespace == "" {
		c.Namespace = "default"
	}
	var err error
	if c.mode, err = modeOf(obj); err != nil {
		return bad("%v", err)
	}
	if got := str(obj, "spec", "clusterDef"); got != "rocketmq" {
		return bad("spec.clusterDef is %q, expected rocketmq", got)
	}
	if got := str(obj, "spec", "topology"); got != "master-slave" {
		return bad("spec.topology is %q, expected master-slave (the addon's only topology, not marked default)", got)
	}
	var found bool
	for _, cs := range list(obj, "spec", "componentSpecs") {
		m, _ := cs.(map[string]any)
		if str(m, "name") != "namesrv" {
			continue
		}
		found = true
		if c.Namesrv, err = component(m, "componentSpecs[namesrv]"); err != nil {
			return bad("%v", err)
		}
	}
	if !found {
		return bad("spec.componentSpecs has no namesrv")
	}
	found = false
	for _, sh := range list(obj, "spec", "shardings") {
		m, _ := sh.(map[string]any)
		if str(m, "name") != "broker" {
			continue
		}
		found = true
		n, ok := num(m, "shards")
		if !ok || n < 1 {
			return bad("shardings[broker].shards must be a number of at least 1")
		}
		c.Shards = n
		tpl, _ := m["template"].(map[string]any)
		if c.Broker, err = component(tpl, "shardings[broker].template"); err != nil {
			return bad("%v", err)
		}
	}
	if !found {
		return bad("spec.shardings has no broker")
	}
	return c, nil
}

func component(m map[string]any, where string) (Component, error) {
	var c Component
	n, ok := num(m, "replicas")
	if !ok || n < 1 {
		return c, fmt.Errorf("%s.replicas must be a number of at least 1", where)
	}
	c.Replicas = n
	c.ServiceVersion = str(m, "serviceVersion")
	mem := str(m, "resources", "limits", "memory")
	if mem == "" {
		return c, fmt.Errorf("%s.resources.limits.memory is not set; the addon sizes the JVM heap from it", where)
	}
	b, err := ParseBytes(mem)
	if err != nil {
		return c, fmt.Errorf("%s.resources.limits.memory: %w", where, err)
	}
	c.MemoryLimit = b
	return c, nil
}

// WithShape returns a copy with the broker shards and replicas changed, in
// the typed fields and in the object alike. Zero keeps a value.
func (c Cluster) WithShape(shards, replicas int) Cluster {
	obj := deepCopy(c.Object).(map[string]any)
	out := c
	out.Object = obj
	for _, sh := range list(obj, "spec", "shardings") {
		m, _ := sh.(map[string]any)
		if str(m, "name") != "broker" {
			continue
		}
		if shards > 0 {
			m["shards"] = shards
			out.Shards = shards
		}
		if tpl, ok := m["template"].(map[string]any); ok && replicas > 0 {
			tpl["replicas"] = replicas
			out.Broker.Replicas = replicas
		}
	}
	return out
}

// WithNamesrvs returns a copy with n namesrv replicas, in the typed field
// and in the object alike. Zero keeps the manifest's.
func (c Cluster) WithNamesrvs(n int) Cluster {
	if n <= 0 {
		return c
	}
	obj := deepCopy(c.Object).(map[string]any)
	out := c
	out.Object = obj
	for _, cs := range list(obj, "spec", "componentSpecs") {
		if m, _ := cs.(map[string]any); str(m, "name") == "namesrv" {
			m["replicas"] = n
			out.Namesrv.Replicas = n
		}
	}
	return out
}

// TopologyOf reads the shape an existing Cluster object asks for: its name
// and namespace, its namesrv replicas, its broker shards and replicas per
// shard. It is what the kube and audit targets check what they find
// against; source names the object in errors.
func TopologyOf(obj map[string]any, source string) (topology.Topology, error) {
	t := topology.Topology{Cluster: str(obj, "metadata", "name"), Namespace: str(obj, "metadata", "namespace")}
	bad := func(format string, args ...any) (topology.Topology, error) {
		return t, fmt.Errorf("%s: %s", source, fmt.Sprintf(format, args...))
	}
	for _, cs := range list(obj, "spec", "componentSpecs") {
		m, _ := cs.(map[string]any)
		if str(m, "name") == "namesrv" {
			t.Namesrvs, _ = num(m, "replicas")
		}
	}
	for _, sh := range list(obj, "spec", "shardings") {
		m, _ := sh.(map[string]any)
		if str(m, "name") == "broker" {
			t.Shards, _ = num(m, "shards")
			t.Replicas, _ = num(m, "template", "replicas")
		}
	}
	mode, err := modeOf(obj)
	if err != nil {
		return bad("%v", err)
	}
	t.Mode = mode
	switch {
	case t.Namesrvs < 1:
		return bad("spec.componentSpecs[namesrv].replicas is missing or below 1")
	case t.Shards < 1:
		return bad("spec.shardings[broker].shards is missing or below 1")
	case t.Replicas < 1:
		return bad("spec.shardings[broker].template.replicas is missing or below 1")
	}
	return t, nil
}

// BrokerServiceVersion is the serviceVersion a Cluster object asks for its
// brokers (shardings[broker].template.serviceVersion), or "".
func BrokerServiceVersion(obj map[string]any) string {
	for _, sh := range list(obj, "spec", "shardings") {
		m, _ := sh.(map[string]any)
		if str(m, "name") == "broker" {
			return str(m, "template", "serviceVersion")
		}
	}
	return ""
}

// Topology is the shape scenarios see.
func (c Cluster) Topology() topology.Topology {
	return topology.Topology{
		Cluster: c.Name, Namespace: c.Namespace,
		Namesrvs: c.Namesrv.Replicas, Shards: c.Shards, Replicas: c.Broker.Replicas,
		Mode: c.mode,
	}
}

// ParseBytes reads a Kubernetes memory quantity of the common forms
// (plain bytes, k/M/G/T and Ki/Mi/Gi/Ti suffixes).
func ParseBytes(q string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}
	for _, u := range units {
		if strings.HasSuffix(q, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSuffix(q, u.suffix), 64)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("%q is not a memory quantity like 4Gi", q)
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	n, err := strconv.ParseInt(q, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a memory quantity like 4Gi", q)
	}
	return n, nil
}

func walk(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func str(m map[string]any, path ...string) string {
	switch v := walk(m, path...).(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func num(m map[string]any, path ...string) (int, bool) {
	switch v := walk(m, path...).(type) {
	case float64:
		return int(v), v == float64(int(v))
	case int:
		return v, true
	case int64: // as the API server's objects decode
		return int(v), true
	}
	return 0, false
}

func list(m map[string]any, path ...string) []any {
	l, _ := walk(m, path...).([]any)
	return l
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
