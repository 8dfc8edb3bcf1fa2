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

// Preflight checks, in seconds, that kind can run here: a docker CLI, an
// engine that answers, and one that can start a privileged container of
// the node image (kind runs every node privileged; where it cannot, kind
// fails deep in its create with runc's error). kind runs its nodes as
// containers; without an engine it would fail later and less clearly.
func Preflight(ctx context.Context, nodeImage string) error {
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
	return privileged(ctx, docker, nodeImage)
}

// ErrNoPrivileged is wrapped by the error Preflight returns when the engine
// cannot start a privileged container.
var ErrNoPrivileged = errors.New("the Docker engine cannot start privileged containers")

// privileged starts a privileged container of the node image that exits at
// once. Where the image is not on the engine yet it is not pulled here:
// kind pulls it, and a pull error is kind's to report.
func privileged(ctx context.Context, docker, nodeImage string) error {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := exec.CommandContext(cctx, docker, "image", "inspect", nodeImage).Run(); err != nil {
		if hint := RuntimeHint(cctx, DetectHost()); hint != "" {
			return fmt.Errorf("%w: %s", ErrNoPrivileged, hint)
		}
		return nil
	}
	out, err := exec.CommandContext(cctx, docker, "run", "--rm", "--privileged", "--entrypoint", "/bin/true", nodeImage).CombinedOutput()
	if err == nil {
		return nil
	}
	msg := oneLine(string(out))
	if strings.Contains(msg, "apply caps") || strings.Contains(msg, "operation not permitted") {
		return fmt.Errorf("%w (%s): this host's capability bounding set lacks one that --privileged asks for (CAP_SYS_RESOURCE on some VMs); start dockerd with a runtime that drops it: dockerd --add-runtime nosysres=$PWD/scripts/runc-nosysres --default-runtime nosysres (README, \"Offline\")", ErrNoPrivileged, msg)
	}
	return fmt.Errorf("%w: `docker run --privileged %s` failed: %s", ErrNoPrivileged, nodeImage, msg)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// RuntimeHint says, before any container runs, whether the engine will
// refuse privileged containers: on a host whose bounding set lacks
// CAP_SYS_RESOURCE an engine whose default runtime is runc itself cannot
// start one (a wrapper such as scripts/runc-nosysres can). "" when there
// is nothing to say.
func RuntimeHint(ctx context.Context, h Host) string {
	if !h.NoSysResource {
		return ""
	}
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.DefaultRuntime}}").Output()
	if err != nil || strings.TrimSpace(string(out)) != "runc" {
		return ""
	}
	return "the Docker engine cannot start privileged containers here: this host's capability bounding set lacks CAP_SYS_RESOURCE and the engine's default runtime is runc; start dockerd with a runtime that drops it: dockerd --add-runtime nosysres=$PWD/scripts/runc-nosysres --default-runtime nosysres (README, \"Offline\")"
}
