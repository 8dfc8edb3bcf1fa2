package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/rmqkb/conformance/internal/gomod"
)

// KubeBlocksModule is the KubeBlocks release whose CRDs the API-server
// tests install. The module is AGPL-3.0: its files are read from the Go
// module cache at test time and never copied into this repository, and it
// is not a requirement in go.mod (it would pin k8s.io to v0.29).
const KubeBlocksModule = "github.com/apecloud/kubeblocks@v1.0.2"

// kubeBlocksCRDFiles are the files of the module's config/crd/bases the
// fixtures and tests create objects of. Only these are installed: the
// lifecycle tests install the definition CRDs themselves, to see a
// control plane without them first.
var kubeBlocksCRDFiles = []string{
	"apps.kubeblocks.io_clusters.yaml",
	"apps.kubeblocks.io_components.yaml",
	"workloads.kubeblocks.io_instancesets.yaml",
	"operations.kubeblocks.io_opsrequests.yaml",
}

// KubeBlocksCRDs returns the paths of the real KubeBlocks CRDs the API
// server gets, resolving the module once per test binary.
var KubeBlocksCRDs = sync.OnceValues(kubeBlocksCRDs)

func kubeBlocksCRDs() ([]string, error) {
	dir, err := gomod.Dir(KubeBlocksModule)
	if err != nil {
		return nil, err
	}
	bases := filepath.Join(dir, "config", "crd", "bases")
	var paths []string
	for _, name := range kubeBlocksCRDFiles {
		p := filepath.Join(bases, name)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("the CRD %s of %s: %w", name, KubeBlocksModule, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
