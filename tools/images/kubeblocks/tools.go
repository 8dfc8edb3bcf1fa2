//go:build tools

// Package tools pins the commands this module builds; go build names them
// directly (they are main packages of the required module).
package tools

import (
	_ "github.com/apecloud/kubeblocks/cmd/dataprotection"
	_ "github.com/apecloud/kubeblocks/cmd/kbagent"
	_ "github.com/apecloud/kubeblocks/cmd/manager"
	_ "github.com/apecloud/kubeblocks/cmd/reloader"
)
