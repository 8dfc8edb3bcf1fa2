// Package manifests holds the embedded Cluster manifest and pinned versions,
// and reads them into the few typed fields the targets need. The Cluster
// manifest is the one source of topology for every target.
package manifests

import (
	"embed"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

//go:embed cluster.yaml versions.yaml kind-config.yaml
var files embed.FS

// Versions are the pinned versions of versions.yaml.
type Versions struct {
	RocketMQ struct {
		Server         string   `json:"server"`
		LocalFallbacks []string `json:"localFallbacks"`
	} `json:"rocketmq"`
	Kind struct {
		NodeImage string `json:"nodeImage"`
	} `json:"kind"`
	KubeBlocks Chart    `json:"kubeblocks"`
	Addon      Chart    `json:"addon"`
	Pipeline   Pipeline `json:"pipeline"`
}

// Pipeline pins the Dagger pipeline: the SDK's version, which the CLI and
// engine must report, and the images its steps run by default.
type Pipeline struct {
	Dagger    string `json:"dagger"`
	GoImage   string `json:"goImage"`
	DindImage string `json:"dindImage"`
}

// Chart pins a Helm chart and where it is installed.
type Chart struct {
	Version   string `json:"version"`
	Repo      string `json:"repo"`
	Chart     string `json:"chart"`
	Namespace string `json:"namespace"`
	Release   string `json:"release"`
}

// KindConfig returns the embedded kind cluster config (kind.x-k8s.io/v1alpha4).
func KindConfig() []byte {
	data, err := files.ReadFile("kind-config.yaml")
	if err != nil {
		panic(err)
	}
	return data
}

// DefaultVersions returns the embedded pins.
func DefaultVersions() Versions {
	data, err := files.ReadFile("versions.yaml")
	if err != nil {
		panic(err) // embedded; cannot be missing
	}
	var v Versions
	if err := yaml.Unmarshal(data, &v); err != nil {
		panic(fmt.Sprintf("manifests: embedded versions.yaml: %v", err))
	}
	return v
}

// DefaultCluster returns the embedded Cluster manifest.
func DefaultCluster() Cluster {
	data, err := files.ReadFile("cluster.yaml")
	if err != nil {
		panic(err)
	}
	c, err := ParseCluster(data, "embedded cluster.yaml")
	if err != nil {
		panic(err)
	}
	return c
}

// LoadCluster reads a Cluster manifest from a file.
func LoadCluster(path string) (Cluster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Cluster{}, fmt.Errorf("read manifest: %w", err)
	}
	return ParseCluster(data, path)
}
