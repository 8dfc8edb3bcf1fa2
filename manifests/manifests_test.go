package manifests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestDefaultCluster(t *testing.T) {
	c := DefaultCluster()
	topo := c.Topology()
	if topo.Cluster != "rocketmq-cluster" || topo.Namesrvs != 2 || topo.Shards != 2 || topo.Replicas != 2 {
		t.Errorf("default topology %+v, want rocketmq-cluster 2 namesrvs 2x2", topo)
	}
	if c.Broker.ServiceVersion != "4.9.6" || c.Broker.MemoryLimit != 2<<30 || c.Namesrv.MemoryLimit != 1<<30 {
		t.Errorf("broker %+v namesrv %+v", c.Broker, c.Namesrv)
	}
	if v := DefaultVersions(); v.RocketMQ.Server != "4.9.6" {
		t.Errorf("pinned server %q", v.RocketMQ.Server)
	}
}

func TestWithShapeChangesObjectToo(t *testing.T) {
	c := DefaultCluster()
	s := c.WithShape(3, 4)
	if s.Shards != 3 || s.Broker.Replicas != 4 {
		t.Errorf("typed shape %d x %d", s.Shards, s.Broker.Replicas)
	}
	out, err := yaml.Marshal(s.Object)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseCluster(out, "reshaped")
	if err != nil || again.Shards != 3 || again.Broker.Replicas != 4 {
		t.Errorf("the object was not reshaped: %v %+v", err, again)
	}
	if c.Shards != 2 || DefaultCluster().Shards != 2 {
		t.Error("WithShape changed the original")
	}
	if k := c.WithShape(0, 0); k.Shards != 2 || k.Broker.Replicas != 2 {
		t.Error("zero must keep the manifest's values")
	}
}

func TestParseClusterErrorsNameTheField(t *testing.T) {
	base, _ := files.ReadFile("cluster.yaml")
	for _, tc := range []struct{ from, to, say string }{
		{"kind: Cluster", "kind: Pod", `kind is "Pod", expected Cluster`},
		{"topology: master-slave", "topology: raft", `spec.topology is "raft"`},
		{"clusterDef: rocketmq", "clusterDef: kafka", `spec.clusterDef is "kafka"`},
		{"      shards: 2", "      shards: 0", "shards must be a number of at least 1"},
		{"            memory: 2Gi\n          requests", "            memory: lots\n          requests", `"lots" is not a memory quantity`},
		{"          memory: 1Gi\n        requests", "        requests", "resources.limits.memory is not set"},
		{"name: rocketmq-cluster", "name: ''", "metadata.name is empty"},
	} {
		doc := strings.Replace(string(base), tc.from, tc.to, 1)
		if doc == string(base) {
			t.Fatalf("fixture %q not found in cluster.yaml", tc.from)
		}
		_, err := ParseCluster([]byte(doc), "x.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.say) || !strings.Contains(err.Error(), "x.yaml") {
			t.Errorf("%s -> %s: %v, want an error naming x.yaml and %q", tc.from, tc.to, err, tc.say)
		}
	}
	if _, err := ParseCluster([]byte(":\n\t- ["), "bad"); err == nil {
		t.Error("not YAML: want an error")
	}
}

func TestLoadCluster(t *testing.T) {
	if _, err := LoadCluster("/nonexistent/c.yaml"); err == nil || !strings.Contains(err.Error(), "/nonexistent/c.yaml") {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(t.TempDir(), "c.yaml")
	base, _ := files.ReadFile("cluster.yaml")
	os.WriteFile(p, base, 0o644)
	if c, err := LoadCluster(p); err != nil || c.Name != "rocketmq-cluster" {
		t.Errorf("LoadCluster: %v %+v", err, c)
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"4Gi": 4 << 30, "512Mi": 512 << 20, "1G": 1e9, "1048576": 1 << 20, "1.5Gi": 3 << 29} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Gi", "-1Gi", "four"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q): want an error", in)
		}
	}
}
