// Command conformance proves that a RocketMQ cluster deployed by the
// KubeBlocks RocketMQ addon does what its architecture promises. With no
// arguments it runs every suite on the embedded local target: a real
// RocketMQ topology on loopback shaped like manifests/cluster.yaml.
package main

import (
	"context"
	"os"

	"github.com/rmqkb/conformance/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
