package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
)

// EngineContainer is the Dagger engine run as a container of this
// machine's Docker engine, which the pipeline's CLI reaches with the SDK's
// docker-container driver. It shares a network with the local registry,
// where the registry answers to a dotted name: the engine's DNS (dnsmasq
// with domain-needed) never forwards a plain container name, so
// `rmqkb-registry` would not resolve in the pipeline's containers.
type EngineContainer struct {
	Name    string // the container
	Network string // the Docker network it shares with the registry
	Subnet  string // of that network, clear of the ranges inside the pipeline
	State   string // the volume holding /var/lib/dagger: the engine's caches
	// CACerts is a folder of extra CA certificates this machine trusts
	// (a TLS-inspecting proxy's, a company's), mounted where the engine
	// takes them from and installs them into every container it runs, as
	// Dagger's own driver does with ~/.config/dagger/ca-certificates.
	// Without them the build step's downloads through such a proxy fail
	// with "certificate signed by unknown authority".
	CACerts string
}

// RegistryAlias is the registry's name on the engine's network.
const RegistryAlias = "registry.rmqkb.test"

// DefaultEngine is the engine container `images --dagger-source` runs. The
// subnet keeps clear of Docker's default pools (172.17/12, 192.168/16),
// which the run step's own dockerd and kind use inside the pipeline, of
// the engine's 10.87/16, and of kind's pod and Service ranges.
func DefaultEngine() EngineContainer {
	return EngineContainer{Name: "rmqkb-dagger-engine", Network: "rmqkb-pipeline", Subnet: "10.89.0.0/24",
		State: "rmqkb-dagger-engine-state", CACerts: "/usr/local/share/ca-certificates"}
}

// RunnerHost is what _EXPERIMENTAL_DAGGER_RUNNER_HOST takes for it.
func (e EngineContainer) RunnerHost() string { return "docker-container://" + e.Name }

// PipelineMirror is the registry as the pipeline's containers, its Docker
// engine and kind's nodes in it reach it, for --registry-mirror.
func PipelineMirror() string { return RegistryAlias + ":5000" }

// Start runs the engine from image on its network, with the registry
// joined to it, unless it runs that image already; an engine of another
// image is replaced (its state volume, the caches, stays). It returns
// once the engine listens.
func (e EngineContainer) Start(ctx context.Context, image string, reg Registry) (bool, error) {
	if err := e.network(ctx, reg); err != nil {
		return false, err
	}
	args := e.runArgs(image)
	sig := hashWords(args)
	out, err := docker(ctx, "inspect", "--type", "container", "--format", `{{.State.Running}} {{index .Config.Labels "`+engineRunLabel+`"}}`, e.Name)
	if err == nil && strings.TrimSpace(out) == "true "+sig {
		return true, e.ready(ctx)
	}
	if err == nil {
		if _, err := docker(ctx, "rm", "-f", e.Name); err != nil {
			return false, err
		}
	}
	run := append([]string{"run", "-d", "--label", engineRunLabel + "=" + sig}, args...)
	if _, err := docker(ctx, run...); err != nil {
		return false, fmt.Errorf("start the Dagger engine: %w", privilegedHint(err))
	}
	return false, e.ready(ctx)
}

// engineRunLabel marks the engine container with a hash of how it was
// run, so that a rerun keeps an engine started the same way.
const engineRunLabel = "io.rmqkb.conformance.engine-run"

// runArgs are `docker run`'s arguments for the engine, as the SDK's
// docker-image driver runs upstream's engine: privileged, its state on a
// volume (the run step's dockerd needs a store that is not overlayfs),
// restarted with Docker; and the extra CA certificates, when there are any.
func (e EngineContainer) runArgs(image string) []string {
	args := []string{"--name", e.Name, "--privileged", "--restart", "unless-stopped",
		"--network", e.Network, "-v", e.State + ":/var/lib/dagger"}
	if ents, err := os.ReadDir(e.CACerts); err == nil && len(ents) > 0 {
		args = append(args, "-v", e.CACerts+":/usr/local/share/ca-certificates:ro")
	}
	return append(args, image)
}

func hashWords(words []string) string {
	h := sha256.Sum256([]byte(strings.Join(words, "\x00")))
	return hex.EncodeToString(h[:])[:12]
}

// network creates the engine's network unless it exists and joins the
// registry to it under RegistryAlias.
func (e EngineContainer) network(ctx context.Context, reg Registry) error {
	if _, err := docker(ctx, "network", "inspect", e.Network); err != nil {
		if _, err := docker(ctx, "network", "create", "--subnet", e.Subnet, e.Network); err != nil {
			return fmt.Errorf("create Docker network %s (%s): %w", e.Network, e.Subnet, err)
		}
	}
	out, err := docker(ctx, "inspect", "--type", "container", "--format",
		`{{with index .NetworkSettings.Networks "`+e.Network+`"}}{{join .Aliases " "}}{{end}}`, reg.Name)
	if err != nil {
		return fmt.Errorf("the registry %s: %w", reg.Name, err)
	}
	for _, a := range strings.Fields(out) {
		if a == RegistryAlias {
			return nil
		}
	}
	if strings.TrimSpace(out) != "" {
		if _, err := docker(ctx, "network", "disconnect", e.Network, reg.Name); err != nil {
			return err
		}
	}
	if _, err := docker(ctx, "network", "connect", "--alias", RegistryAlias, e.Network, reg.Name); err != nil {
		return fmt.Errorf("join the registry to %s as %s: %w", e.Network, RegistryAlias, err)
	}
	return nil
}

// ready waits until the engine's socket exists in its container.
func (e EngineContainer) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return wait.Until(ctx, 300*time.Millisecond, "the Dagger engine's socket in "+e.Name, func(ctx context.Context) (bool, string, error) {
		if _, err := docker(ctx, "exec", e.Name, "test", "-S", EngineSocket); err != nil {
			logs, _ := docker(ctx, "logs", "--tail", "5", e.Name)
			return false, strings.TrimSpace(logs), nil
		}
		return true, "", nil
	})
}

// Stop removes the engine's container; its state volume stays, so the
// next start keeps the caches.
func (e EngineContainer) Stop(ctx context.Context) error {
	if _, err := docker(ctx, "inspect", "--type", "container", e.Name); err != nil {
		return nil
	}
	_, err := docker(ctx, "rm", "-f", e.Name)
	return err
}
