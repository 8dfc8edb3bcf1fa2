package scenarios

import (
	"github.com/rmqkb/conformance/internal/topology"
)

// Topology is the shape the target was asked for, from the Cluster manifest
// or the Cluster object.
type Topology = topology.Topology

// Mode is which of the addon's optional modes (ACL, DLedger) a Cluster runs.
type Mode = topology.Mode
