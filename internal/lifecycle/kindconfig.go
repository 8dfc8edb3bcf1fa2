package lifecycle

import (
	"bytes"
	"fmt"
	"regexp"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/rmqkb/conformance/manifests"
)

// KindOptions shape the kind config beyond the embedded one: the node
// image, what this host needs, and where images come from.
type KindOptions struct {
	// NodeImage is set on every node. It must be pinned by digest: kind's
	// docs ask for it, because a tag alone may name an image built for
	// another kind release.
	NodeImage string
	Host      Host
	// Mirror, if set, is a registry (HOST:PORT) every node pulls through,
	// and CertsDir the folder of its hosts.toml files (WriteMirrorHosts),
	// mounted into every node.
	Mirror, CertsDir string
}

// pinned matches an image reference pinned by digest, as kind's release
// notes publish node images: name[:tag]@sha256:<64 hex>.
var pinned = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)

// certsDirInNode is where containerd reads per-registry hosts.toml files
// once the CRI plugin's registry.config_path names it.
const certsDirInNode = "/etc/containerd/certs.d"

// kubeletAllowsCgroupV1: kubelet 1.35+ refuses a cgroup v1 host unless told
// otherwise. Applied always: on a cgroup v2 host the field changes nothing,
// and the Docker engine's host may not be the one the suite reads.
const kubeletAllowsCgroupV1 = `kind: KubeletConfiguration
failCgroupV1: false
`

// containerdRestrictsOOMScoreAdj makes containerd clamp the oom_score_adj
// the kubelet asks for to its own: lowering it needs CAP_SYS_RESOURCE,
// which nodes on such hosts lack. It changes OOM ordering, so it is only
// applied where the host needs it.
const containerdRestrictsOOMScoreAdj = `[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true`

// containerdReadsCertsDir points the CRI plugin at the hosts.toml folder.
const containerdReadsCertsDir = `[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "` + certsDirInNode + `"`

// KindConfig reads the embedded kind config into kind's v1alpha4 type and
// applies o to it.
func KindConfig(o KindOptions) (*v1alpha4.Cluster, error) {
	return parseKindConfig(manifests.KindConfig(), o)
}

func parseKindConfig(data []byte, o KindOptions) (*v1alpha4.Cluster, error) {
	if !pinned.MatchString(o.NodeImage) {
		return nil, fmt.Errorf("kind node image %q is not pinned by digest: pass --kind-node-image as name:tag@sha256:<digest>, taken from the kind release notes (or printed by `go run . images`)", o.NodeImage)
	}
	if (o.Mirror == "") != (o.CertsDir == "") {
		return nil, fmt.Errorf("kind config: a registry mirror (%q) needs its hosts folder (%q), and the other way round", o.Mirror, o.CertsDir)
	}
	// Decoded the way kind decodes a config file (go.yaml.in/yaml/v3, unknown
	// fields rejected), so a typo fails here and not in the middle of create.
	d := yaml.NewDecoder(bytes.NewReader(data))
	d.KnownFields(true)
	var c v1alpha4.Cluster
	if err := d.Decode(&c); err != nil {
		return nil, fmt.Errorf("kind config: %w", err)
	}
	if c.Kind != "Cluster" || c.APIVersion != "kind.x-k8s.io/v1alpha4" {
		return nil, fmt.Errorf("kind config: kind %q apiVersion %q, expected Cluster kind.x-k8s.io/v1alpha4", c.Kind, c.APIVersion)
	}
	if len(c.Nodes) == 0 {
		// kind would default one control-plane node with its own default
		// image, bypassing the pin.
		c.Nodes = []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole}}
	}
	c.KubeadmConfigPatches = append(c.KubeadmConfigPatches, kubeletAllowsCgroupV1)
	if o.Host.NoSysResource {
		c.ContainerdConfigPatches = append(c.ContainerdConfigPatches, containerdRestrictsOOMScoreAdj)
	}
	if o.Mirror != "" {
		c.ContainerdConfigPatches = append(c.ContainerdConfigPatches, containerdReadsCertsDir)
	}
	for i := range c.Nodes {
		c.Nodes[i].Image = o.NodeImage
		if o.Mirror != "" {
			c.Nodes[i].ExtraMounts = append(c.Nodes[i].ExtraMounts, v1alpha4.Mount{
				HostPath: o.CertsDir, ContainerPath: certsDirInNode, Readonly: true,
			})
		}
	}
	return &c, nil
}
