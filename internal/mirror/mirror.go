// Package mirror holds what every part that speaks of a registry mirror
// agrees on: the upstream registries one stands in for, and what a mirror
// address looks like. The local registry of `go run . images` keeps each
// upstream under a path prefix named for it (HOST:PORT/docker.io/...), so
// that one registry serves them all; kind's nodes (`e2e`), the Dagger
// engine and the pipeline (`go run ./ci`) pull through it that way.
package mirror

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Upstreams are the registries a mirror stands in for: kind's and
// Kubernetes' images (registry.k8s.io, docker.io), the charts' (docker.io
// with image.registry=docker.io, and KubeBlocks' default registry at
// apecloud's Aliyun mirror), and the common others.
var Upstreams = []string{
	"docker.io",
	"registry.k8s.io",
	"apecloud-registry.cn-zhangjiakou.cr.aliyuncs.com",
	"quay.io",
	"ghcr.io",
}

// Check validates a --registry-mirror value: HOST:PORT, no scheme.
func Check(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || host == "" || strings.Contains(addr, "/") || perr != nil || n < 1 || n > 65535 {
		return fmt.Errorf("registry mirror %q: expected HOST:PORT with a port from 1 to 65535, no scheme (for example rmqkb-registry:5000)", addr)
	}
	// The nodes pull through it from inside their own containers, where
	// loopback is the node itself: a host-published port is not there, and
	// every pull would be refused until an install step timed out.
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return fmt.Errorf("registry mirror %q: a loopback address is the kind node itself, not this host; expected the registry's name on the kind network (`go run . images` prints it, for example rmqkb-registry:5000)", addr)
	}
	return nil
}
