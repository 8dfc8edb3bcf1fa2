// Package lifecycle brings a Kubernetes target up and down for `e2e`, `up`
// and `down`: a kind cluster, KubeBlocks and the rocketmq addon installed
// with the Helm Go SDK, the Cluster of the manifest, and routes to the pod
// network; and it tears all of that down again.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// ErrNoEngine is wrapped by the error Preflight returns when no container
// engine can be reached.
var ErrNoEngine = errors.New("no Docker engine")

// Preflight checks, in seconds, that kind can run here: a docker CLI and an
// engine that answers. kind runs its nodes as containers; without an engine
// it would fail later and less clearly.
func Preflight(ctx context.Context) error {
	docker, err := exec.LookPath("docker")
	if err != nil {
		return fmt.Errorf("%w: the docker CLI is not on PATH. kind runs its nodes as Docker containers: install Docker (or run `go run ./ci`, whose pipeline brings its own engine)", ErrNoEngine)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(cctx, docker, "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		msg := strings.TrimSpace(string(out))
		if cctx.Err() != nil {
			msg = "no answer within 15 s"
		}
		return fmt.Errorf("%w: `docker info` failed (%s). kind runs its nodes as Docker containers: start a Docker engine here, point DOCKER_HOST at one, or run `go run ./ci`, whose pipeline brings its own engine", ErrNoEngine, oneLine(msg))
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
