package lifecycle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
)

// LoadChartDir loads the chart in dir as Helm would install it from a
// packaged copy: each dependency that its Chart.yaml takes from a file://
// repository and that charts/ does not hold is loaded from that folder
// (relative to dir) and attached in memory, as `helm dependency build`
// would vendor it. The folders are only read. A repository dependency that
// is missing is left to CheckDependencies to name.
func LoadChartDir(dir string) (*chart.Chart, error) {
	if fi, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("chart folder %s: no Chart.yaml in it", dir)
	}
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart folder %s: %w", dir, err)
	}
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	for _, dep := range ch.Metadata.Dependencies {
		rel, ok := strings.CutPrefix(dep.Repository, "file://")
		if !ok || have[dep.Name] {
			continue
		}
		path := rel
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, rel)
		}
		sub, err := LoadChartDir(path)
		if err != nil {
			return nil, fmt.Errorf("chart %s: dependency %s from %s: %w", ch.Name(), dep.Name, dep.Repository, err)
		}
		if sub.Name() != dep.Name {
			return nil, fmt.Errorf("chart %s: dependency %s from %s: that folder holds chart %q", ch.Name(), dep.Name, dep.Repository, sub.Name())
		}
		if err := checkVersion(dep.Version, sub.Metadata.Version); err != nil {
			return nil, fmt.Errorf("chart %s: dependency %s from %s: %w", ch.Name(), dep.Name, dep.Repository, err)
		}
		ch.AddDependency(sub)
		have[dep.Name] = true
	}
	return ch, nil
}

// checkVersion checks a dependency's version against its constraint, as
// `helm dependency build` does; an empty constraint takes any.
func checkVersion(constraint, version string) error {
	if constraint == "" {
		return nil
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return fmt.Errorf("version constraint %q: %w", constraint, err)
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return fmt.Errorf("version %q: %w", version, err)
	}
	if !c.Check(v) {
		return fmt.Errorf("version %s does not satisfy %s", version, constraint)
	}
	return nil
}
