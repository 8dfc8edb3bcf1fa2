package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rmqkb/conformance/internal/usage"

	"sigs.k8s.io/yaml"
)

// Input is a folder or file of this host mounted read-only into the run
// step, so that e2e reads it as it would on the host.
type Input struct {
	Host string // absolute path on this host
	Path string // where the run step sees it
	File bool   // a file rather than a folder
}

// inputsRoot is where the run step sees the host's inputs.
const inputsRoot = "/inputs"

// chartInputs mounts the chart folder dir for flag (its name keeps two
// charts apart) with every folder its Chart.yaml takes a dependency from
// by file://, at the same places relative to each other, so that e2e
// finds `file://../kblib` beside the chart as on the host. It returns the
// mounts and the chart's path in the run step.
func chartInputs(flag, dir string) ([]Input, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", usage.Errorf("%s %s: %v", flag, dir, err)
	}
	dirs, err := chartFolders(abs, map[string]bool{})
	if err != nil {
		return nil, "", usage.Errorf("%s %s: %v", flag, dir, err)
	}
	root := commonParent(dirs)
	base := path.Join(inputsRoot, strings.TrimPrefix(flag, "--"))
	var in []Input
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d)
		in = append(in, Input{Host: d, Path: path.Join(base, filepath.ToSlash(rel))})
	}
	return in, in[0].Path, nil
}

// chartFolders is dir and, depth first, the folders of its file://
// dependencies (relative to the chart that names them); seen stops loops.
func chartFolders(dir string, seen map[string]bool) ([]string, error) {
	if seen[dir] {
		return nil, nil
	}
	seen[dir] = true
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, fmt.Errorf("expected a chart folder (no Chart.yaml in %s)", dir)
	}
	var meta struct {
		Dependencies []struct{ Name, Repository string }
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, "Chart.yaml"), err)
	}
	out := []string{dir}
	for _, d := range meta.Dependencies {
		rel, ok := strings.CutPrefix(d.Repository, "file://")
		if !ok {
			continue
		}
		p := rel
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, rel)
		}
		sub, err := chartFolders(filepath.Clean(p), seen)
		if err != nil {
			return nil, fmt.Errorf("dependency %s (%s): %w", d.Name, d.Repository, err)
		}
		out = append(out, sub...)
	}
	return out, nil
}

// commonParent is the deepest folder holding every one of dirs; a chart
// alone is mounted as the folder itself.
func commonParent(dirs []string) string {
	if len(dirs) == 1 {
		return filepath.Dir(dirs[0])
	}
	root := dirs[0]
	for _, d := range dirs[1:] {
		for !strings.HasPrefix(d+string(filepath.Separator), root+string(filepath.Separator)) {
			root = filepath.Dir(root)
		}
	}
	return root
}
