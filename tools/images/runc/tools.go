//go:build tools

// Package tools pins runc, the OCI runtime the Dagger engine image runs its
// containers with; go build names its main package directly.
package tools

import (
	_ "github.com/opencontainers/runc"
)
