package testenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// KubeBlocksModule is the KubeBlocks release whose CRDs the API-server
// tests install. The module is AGPL-3.0: its files are read from the Go
// module cache at test time and never copied into this repository, and it
// is not a requirement in go.mod (it would pin k8s.io to v0.29).
const KubeBlocksModule = "github.com/apecloud/kubeblocks@v1.0.2"

// kubeBlocksCRDFiles are the files of the module's config/crd/bases the
// fixtures and tests create objects of. Only these are installed: the
// lifecycle tests install the definition CRDs themselves, to see a
// control plane without them first.
var kubeBlocksCRDFiles = []string{
	"apps.kubeblocks.io_clusters.yaml",
	"apps.kubeblocks.io_components.yaml",
	"workloads.kubeblocks.io_instancesets.yaml",
}

// KubeBlocksCRDs returns the paths of the real KubeBlocks CRDs the API
// server gets, resolving the module once per test binary.
var KubeBlocksCRDs = sync.OnceValues(kubeBlocksCRDs)

func kubeBlocksCRDs() ([]string, error) {
	dir, err := moduleDir(KubeBlocksModule)
	if err != nil {
		return nil, err
	}
	bases := filepath.Join(dir, "config", "crd", "bases")
	var paths []string
	for _, name := range kubeBlocksCRDFiles {
		p := filepath.Join(bases, name)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("the CRD %s of %s: %w", name, KubeBlocksModule, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// moduleDir asks the Go toolchain for mod (path@version) in the module
// cache, downloading it through GOPROXY when it is not there yet: `go mod
// download mod@version` needs no go.mod entry. It runs outside this
// module so that neither go.mod nor go.work is read or touched.
func moduleDir(mod string) (string, error) {
	goBin, err := goCommand()
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", mod, err)
	}
	cmd := exec.Command(goBin, "mod", "download", "-json", mod)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	// On failure go still prints the JSON, with the reason in Error.
	var info struct{ Dir, Error string }
	jsonErr := json.Unmarshal(out, &info)
	tried := fmt.Sprintf("%s mod download -json %s", goBin, mod)
	switch {
	case info.Error != "":
		return "", fmt.Errorf("resolve %s with `%s`: %s", mod, tried, info.Error)
	case runErr != nil:
		return "", fmt.Errorf("resolve %s with `%s`: %w: %s", mod, tried, runErr, strings.TrimSpace(stderr.String()))
	case jsonErr != nil || info.Dir == "":
		return "", fmt.Errorf("resolve %s with `%s`: no Dir in its output %q", mod, tried, out)
	}
	return info.Dir, nil
}

// goCommand finds the go command: on PATH (go test puts its GOROOT/bin
// first), else in the GOROOT this binary was built with.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	root := runtime.GOROOT() // "" in a -trimpath build
	if root == "" {
		return "", errors.New("no go command on PATH, and no GOROOT known to look in")
	}
	p := filepath.Join(root, "bin", "go")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no go command on PATH, nor at %s", p)
	}
	return p, nil
}
