// Package gomod finds Go modules in the module cache, downloading them
// through GOPROXY when they are not there yet. The suite reads data from
// modules it does not link (KubeBlocks' CRDs and chart, kind's node-image
// files): they are read where the go command keeps them, never copied into
// this repository.
package gomod

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Dir returns the folder of mod (path@version) in the module cache. `go mod
// download mod@version` needs no go.mod entry; it runs outside any module
// so that neither go.mod nor go.work is read or touched.
func Dir(mod string) (string, error) {
	goBin, err := Command()
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

// Command finds the go command: on PATH (go test and go run put their
// GOROOT/bin first), else in the GOROOT this binary was built with.
func Command() (string, error) {
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
