package lifecycle

import (
	"strings"
	"testing"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/rmqkb/conformance/manifests"
)

const testImage = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"

func TestKindConfigSetsTheImageOnEveryNode(t *testing.T) {
	c, err := KindConfig(KindOptions{NodeImage: testImage})
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != "Cluster" || c.APIVersion != "kind.x-k8s.io/v1alpha4" {
		t.Errorf("type %s %s", c.Kind, c.APIVersion)
	}
	var roles []string
	for i, n := range c.Nodes {
		if n.Image != testImage {
			t.Errorf("node %d image %q", i, n.Image)
		}
		roles = append(roles, string(n.Role))
	}
	if got := strings.Join(roles, ","); got != "control-plane" {
		t.Errorf("roles %s", got)
	}
	// The suite routes to the pod subnet: the config must keep it.
	if c.Networking.PodSubnet != "10.244.0.0/16" || c.Networking.ServiceSubnet != "10.96.0.0/16" {
		t.Errorf("subnets %q %q", c.Networking.PodSubnet, c.Networking.ServiceSubnet)
	}
}

func TestKindConfigDefaultVersionIsPinned(t *testing.T) {
	if _, err := KindConfig(KindOptions{NodeImage: manifests.DefaultVersions().Kind.NodeImage}); err != nil {
		t.Fatalf("versions.yaml's node image: %v", err)
	}
}

func TestKindConfigRequiresADigest(t *testing.T) {
	for _, img := range []string{
		"kindest/node:v1.37.0",
		"kindest/node:latest",
		"",
		"kindest/node:v1.37.0@sha256:abc",
		"kindest/node@sha512:" + strings.Repeat("a", 128),
	} {
		_, err := KindConfig(KindOptions{NodeImage: img})
		if err == nil || !strings.Contains(err.Error(), "--kind-node-image") || !strings.Contains(err.Error(), "digest") {
			t.Errorf("%q: got %v, want an error naming --kind-node-image and the digest", img, err)
		}
	}
	if _, err := KindConfig(KindOptions{NodeImage: "registry.example:5000/kind/node@sha256:" + strings.Repeat("0", 64)}); err != nil {
		t.Errorf("digest without tag: %v", err)
	}
}

func TestParseKindConfig(t *testing.T) {
	c, err := parseKindConfig([]byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"), KindOptions{NodeImage: testImage})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Nodes) != 1 || c.Nodes[0].Role != v1alpha4.ControlPlaneRole || c.Nodes[0].Image != testImage {
		t.Errorf("no nodes must become one pinned control plane, got %+v", c.Nodes)
	}
	if _, err := parseKindConfig([]byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  podSubnett: 10.0.0.0/16\n"), KindOptions{NodeImage: testImage}); err == nil || !strings.Contains(err.Error(), "podSubnett") {
		t.Errorf("unknown field: got %v, want it named", err)
	}
	if _, err := parseKindConfig([]byte("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\n"), KindOptions{NodeImage: testImage}); err == nil {
		t.Error("another apiVersion must be refused")
	}
}
