//go:build tools

// Package tools pins the commands this module builds; go build names them
// directly (they are main packages of the required module).
package tools

import (
	_ "sigs.k8s.io/cri-tools/cmd/crictl"
)
