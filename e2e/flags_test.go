package e2e

import "flag"

var (
	createKind  = flag.Bool("create-kind", false, "create a kind cluster with KubeBlocks, the addon and the Cluster first, and delete it afterwards (needs a Docker engine)")
	clusterName = flag.String("cluster", "", "name of the Cluster (default: the manifest's)")
	reportsDir  = flag.String("reports", "", "also write junit.xml, summary.md and summary.json here")
	keep        = flag.Bool("keep", false, "with --create-kind, keep the kind cluster")
	// With --create-kind, as on `go run . e2e`:
	nodeImage       = flag.String("kind-node-image", "", "kind node image, pinned by digest (default: versions.yaml's)")
	registryMirror  = flag.String("registry-mirror", "", "HOST:PORT of a registry the kind nodes pull through (as `go run . images` fills it)")
	addonChart      = flag.String("addon-chart", "", "install the addon from this chart folder")
	kubeBlocksChart = flag.String("kubeblocks-chart", "", "install KubeBlocks from this chart folder")
)
