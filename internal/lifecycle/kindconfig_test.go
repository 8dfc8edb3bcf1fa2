package lifecycle

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/rmqkb/conformance/internal/mirror"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

// kubeletPatch finds the KubeletConfiguration patch and decodes it.
func kubeletPatch(t *testing.T, c *v1alpha4.Cluster) map[string]any {
	t.Helper()
	for _, p := range c.KubeadmConfigPatches {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(p), &m); err != nil {
			t.Fatalf("patch %q: %v", p, err)
		}
		if m["kind"] == "KubeletConfiguration" {
			return m
		}
	}
	return nil
}

// criPlugin decodes the containerd patches, merged, and returns the CRI
// plugin's table.
func criPlugin(t *testing.T, c *v1alpha4.Cluster) map[string]any {
	t.Helper()
	var m map[string]any
	if _, err := toml.Decode(strings.Join(c.ContainerdConfigPatches, "\n"), &m); err != nil {
		t.Fatalf("containerd patches %q: %v", c.ContainerdConfigPatches, err)
	}
	plugins, _ := m["plugins"].(map[string]any)
	cri, _ := plugins["io.containerd.grpc.v1.cri"].(map[string]any)
	return cri
}

// TestKindConfigLetsKubeletRunOnCgroupV1 holds on every host: the field
// only allows cgroup v1, and the engine's host may not be the suite's.
func TestKindConfigLetsKubeletRunOnCgroupV1(t *testing.T) {
	for _, h := range []Host{{}, {CgroupV1: true}, {NoSysResource: true}} {
		c, err := KindConfig(KindOptions{NodeImage: testImage, Host: h})
		if err != nil {
			t.Fatal(err)
		}
		if p := kubeletPatch(t, c); p == nil || p["failCgroupV1"] != false {
			t.Errorf("host %+v: kubelet patch %v, want failCgroupV1: false", h, p)
		}
	}
}

// TestKindConfigRestrictsOOMScoreAdjOnlyWhereNeeded: without
// CAP_SYS_RESOURCE no pod sandbox starts unless containerd clamps
// oom_score_adj; elsewhere the clamp would change OOM ordering.
func TestKindConfigRestrictsOOMScoreAdjOnlyWhereNeeded(t *testing.T) {
	c, err := KindConfig(KindOptions{NodeImage: testImage, Host: Host{NoSysResource: true}})
	if err != nil {
		t.Fatal(err)
	}
	if v := criPlugin(t, c)["restrict_oom_score_adj"]; v != true {
		t.Errorf("restrict_oom_score_adj %v without CAP_SYS_RESOURCE, want true", v)
	}
	c, err = KindConfig(KindOptions{NodeImage: testImage, Host: Host{CgroupV1: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ContainerdConfigPatches) != 0 {
		t.Errorf("containerd patches %q on a host with every capability, want none", c.ContainerdConfigPatches)
	}
}

func TestKindConfigMountsTheMirrorsHostsOnEveryNode(t *testing.T) {
	data := []byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n")
	c, err := parseKindConfig(data, KindOptions{NodeImage: testImage, Mirror: "rmqkb-registry:5000", CertsDir: "/state/certs.d"})
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := criPlugin(t, c)["registry"].(map[string]any)
	if reg["config_path"] != "/etc/containerd/certs.d" {
		t.Errorf("registry %v, want config_path /etc/containerd/certs.d", reg)
	}
	want := []v1alpha4.Mount{{HostPath: "/state/certs.d", ContainerPath: "/etc/containerd/certs.d", Readonly: true}}
	for i, n := range c.Nodes {
		if !reflect.DeepEqual(n.ExtraMounts, want) {
			t.Errorf("node %d mounts %+v, want %+v", i, n.ExtraMounts, want)
		}
	}
	if _, err := parseKindConfig(data, KindOptions{NodeImage: testImage, Mirror: "m:5000"}); err == nil {
		t.Error("a mirror without its hosts folder must be refused")
	}
}

func TestMirrorHostsTOML(t *testing.T) {
	dir := t.TempDir()
	if err := WriteMirrorHosts(dir, "rmqkb-registry:5000"); err != nil {
		t.Fatal(err)
	}
	for _, reg := range mirror.Upstreams {
		var f struct {
			Server string
			Host   map[string]struct {
				Capabilities []string
				OverridePath bool `toml:"override_path"`
			}
		}
		if _, err := toml.DecodeFile(filepath.Join(dir, reg, "hosts.toml"), &f); err != nil {
			t.Fatalf("%s: %v", reg, err)
		}
		h, ok := f.Host["http://rmqkb-registry:5000/v2/"+reg]
		if !ok || len(f.Host) != 1 || !h.OverridePath || !reflect.DeepEqual(h.Capabilities, []string{"pull", "resolve"}) {
			t.Errorf("%s: hosts %+v, want the mirror under /v2/%s, pull and resolve, override_path", reg, f.Host, reg)
		}
		if !strings.HasPrefix(f.Server, "https://") || !strings.Contains(f.Server, strings.TrimPrefix(reg, "docker.io")) {
			t.Errorf("%s: server %q", reg, f.Server)
		}
	}
	var f struct{ Server string }
	if _, err := toml.DecodeFile(filepath.Join(dir, "docker.io", "hosts.toml"), &f); err != nil || f.Server != "https://registry-1.docker.io" {
		t.Errorf("docker.io's server %q, %v", f.Server, err)
	}
}

func TestCapBoundingSet(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		bnd     string
		lacking bool
	}{{"000001ffffffffff", false}, {"000001fffeffffff", true}} {
		p := filepath.Join(dir, "status")
		if err := os.WriteFile(p, []byte("Name:\tx\nCapEff:\t0\nCapBnd:\t"+c.bnd+"\nSeccomp:\t0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		bnd, err := capBoundingSet(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := bnd&(1<<capSysResource) == 0; got != c.lacking {
			t.Errorf("CapBnd %s: lacks CAP_SYS_RESOURCE %v, want %v", c.bnd, got, c.lacking)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "status"), []byte("Name:\tx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := capBoundingSet(filepath.Join(dir, "status")); err == nil {
		t.Error("a status without CapBnd must be an error")
	}
}
