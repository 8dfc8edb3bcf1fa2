package images

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
)

// Registry is the local registry the set is pushed to and kind's nodes
// pull through: the distribution registry, built from its Go module, run
// as a container on loopback (Port) and, once a kind cluster exists, on
// kind's network, where the nodes reach it as Name:5000.
type Registry struct {
	Name    string // the container's name, also its name on kind's network
	Port    int    // published on 127.0.0.1
	Storage string // a folder on this machine
}

// DefaultRegistry is the registry `go run . images` runs.
func DefaultRegistry(l Layout) Registry {
	return Registry{Name: "rmqkb-registry", Port: 5001, Storage: l.Registry()}
}

// Mirror is what --registry-mirror takes for this registry.
func (r Registry) Mirror() string { return r.Name + ":5000" }

// push is the name an image is pushed under: loopback, then the upstream
// registry as a path prefix (the layout the nodes' hosts.toml expects).
func (r Registry) push(ref string) string { return r.local() + "/" + ref }

// local is the registry's address on this machine.
func (r Registry) local() string { return fmt.Sprintf("localhost:%d", r.Port) }

// As names a pushed image (push's name) as the clients that reach the
// registry at addr see it.
func (r Registry) As(addr, pushed string) string {
	return addr + strings.TrimPrefix(pushed, r.local())
}

const registryConfig = `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
`

func registryRecipe(in Inputs) Recipe {
	return Recipe{Ref: registryImageBase + ":1", Base: in.Busybox,
		Files: []File{
			{From: in.Bins.path("registry", "registry"), To: "/bin/registry", Mode: 0o755},
			{Data: []byte(registryConfig), To: "/etc/distribution/config.yml"},
		},
		Entrypoint: []string{"/bin/registry", "serve", "/etc/distribution/config.yml"}}
}

// Start runs the registry from image unless a container of its name runs
// it already; an old container of another image is replaced.
func (r Registry) Start(ctx context.Context, image string) (bool, error) {
	out, err := docker(ctx, "inspect", "--type", "container", "--format", "{{.State.Running}} {{.Config.Image}}", r.Name)
	if err == nil {
		if strings.TrimSpace(out) == "true "+image {
			return true, r.ready(ctx)
		}
		if _, err := docker(ctx, "rm", "-f", r.Name); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(r.Storage, 0o755); err != nil {
		return false, err
	}
	if _, err := docker(ctx, "run", "-d", "--name", r.Name, "--restart", "unless-stopped",
		"-p", fmt.Sprintf("127.0.0.1:%d:5000", r.Port), "-v", r.Storage+":/var/lib/registry", image); err != nil {
		return false, fmt.Errorf("start the registry: %w", err)
	}
	return false, r.ready(ctx)
}

// ready waits until the registry answers its API.
func (r Registry) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/v2/", r.Port)
	return wait.Until(ctx, 200*time.Millisecond, "the registry at "+url, func(ctx context.Context) (bool, string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, wait.Reason(err), nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status, nil
	})
}

// Stop removes the registry's container; its storage stays.
func (r Registry) Stop(ctx context.Context) error {
	if _, err := docker(ctx, "inspect", "--type", "container", r.Name); err != nil {
		return nil
	}
	_, err := docker(ctx, "rm", "-f", r.Name)
	return err
}

// Push pushes ref under its registry name and returns the digest it was
// stored as.
func (r Registry) Push(ctx context.Context, ref string) (string, error) {
	to := r.push(ref)
	if _, err := docker(ctx, "tag", ref, to); err != nil {
		return "", err
	}
	out, err := docker(ctx, "push", to)
	if err != nil {
		return "", fmt.Errorf("push %s: %w", to, err)
	}
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "sha256:") && len(f) == len("sha256:")+64 {
			return f, nil
		}
	}
	return "", fmt.Errorf("push %s: no digest in docker's output", to)
}
