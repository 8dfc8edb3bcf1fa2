package lifecycle

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"

	"github.com/rmqkb/conformance/manifests"
)

// Release is one Helm release, its chart from a repository or a folder.
type Release struct {
	Name      string
	Namespace string
	Repo      string // chart repository URL
	Chart     string // chart name in Repo
	Version   string
	// Dir, if set, is the chart's folder, read instead of Repo: a checkout
	// under review, or an air-gapped copy. Its file:// dependencies are
	// loaded from their folders (LoadChartDir).
	Dir             string
	Values          map[string]any
	Wait            bool
	Timeout         time.Duration // for Wait; zero means defaultHelmTimeout
	CreateNamespace bool
}

const defaultHelmTimeout = 5 * time.Minute

// source names where the chart comes from, for progress and errors.
func (r Release) source() string {
	if r.Dir != "" {
		return "folder " + r.Dir
	}
	return fmt.Sprintf("%s %s from %s", r.Chart, r.Version, r.Repo)
}

// KubeBlocksRelease is KubeBlocks as the facts sheet installs it: release
// kubeblocks in kb-system, namespace created, chart from dir (the
// deploy/helm folder of its Go module unless --kubeblocks-chart says
// otherwise). The values leave the chart unmodified but fit it to a small
// kind cluster: images from docker.io at the release's version (a folder's
// Chart.yaml may carry another appVersion, the tags' default), no addons
// installed by the chart (their image is on no reachable registry, and the
// suite installs its own), and CPU for the manager and the data-protection
// controller that leaves room for the Cluster on a 2-CPU node (the chart's
// 500m is request and limit both).
func KubeBlocksRelease(v manifests.Versions, dir string) Release {
	c := v.KubeBlocks
	tag := map[string]any{"tag": c.Version}
	return Release{
		Name:      or(c.Release, "kubeblocks"),
		Namespace: or(c.Namespace, "kb-system"),
		Chart:     or(c.Chart, "kubeblocks"),
		Version:   c.Version,
		Dir:       dir,
		Values: map[string]any{
			"image":               map[string]any{"registry": "docker.io", "tag": c.Version},
			"dataProtection":      map[string]any{"image": tag},
			"addonChartsImage":    tag,
			"autoInstalledAddons": []any{},
			"resources":           map[string]any{"cpu": "300m", "memory": "1Gi"},
		},
		Wait:            true,
		Timeout:         10 * time.Minute,
		CreateNamespace: true,
	}
}

// AddonRelease is the rocketmq addon: release kb-addon-rocketmq in
// KubeBlocks' namespace unless versions.yaml names another; from its chart
// repository, or from dir (addons/rocketmq of a kubeblocks-addons checkout).
func AddonRelease(v manifests.Versions, dir string) Release {
	c := v.Addon
	return Release{
		Name:      or(c.Release, "kb-addon-rocketmq"),
		Namespace: or(c.Namespace, or(v.KubeBlocks.Namespace, "kb-system")),
		Repo:      c.Repo,
		Chart:     or(c.Chart, "rocketmq"),
		Version:   c.Version,
		Dir:       dir,
		Wait:      true,
		Timeout:   defaultHelmTimeout,
	}
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// installAction configures a Helm install of r.
func installAction(cfg *action.Configuration, r Release) *action.Install {
	in := action.NewInstall(cfg)
	in.ReleaseName = r.Name
	in.Namespace = r.Namespace
	if r.Dir == "" {
		in.Version = r.Version
		in.RepoURL = r.Repo
	}
	in.Wait = r.Wait
	// The SDK has no default: a zero timeout with Wait fails at once (the
	// CLI's 5m default lives in its flag).
	in.Timeout = r.Timeout
	if in.Timeout <= 0 {
		in.Timeout = defaultHelmTimeout
	}
	in.CreateNamespace = r.CreateNamespace
	return in
}

// Install installs r with the Helm Go SDK into the cluster of
// kubeconfigPath, release records stored as Secrets (Helm's default
// driver). Helm's debug log goes to progress, each kind of message at most
// every 15 s (the wait repeats "not ready" every 2 s).
//
// On cancel Helm returns at once but finishes the install in the background;
// the release then shows as pending-install, failed or deployed.
func Install(ctx context.Context, kubeconfigPath string, r Release, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	settings := cli.New()
	settings.KubeConfig = kubeconfigPath
	settings.SetNamespace(r.Namespace)

	cfg := new(action.Configuration)
	if err := cfg.Init(settings.RESTClientGetter(), r.Namespace, "secret", helmLog(progress, r.Name)); err != nil {
		return fmt.Errorf("helm %s: init: %w", r.Name, err)
	}
	in := installAction(cfg, r)
	ch, err := loadChart(in, r, settings)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "  helm: installing %s %s from %s as %s in %s, wait %v\n",
		ch.Metadata.Name, ch.Metadata.Version, r.source(), r.Name, r.Namespace, in.Timeout)
	rel, err := in.RunWithContext(ctx, ch, r.Values)
	if err != nil {
		return fmt.Errorf("helm install %s (%s) in %s: %w", r.Name, r.source(), r.Namespace, err)
	}
	fmt.Fprintf(progress, "  helm: %s %s, revision %d\n", rel.Name, rel.Info.Status, rel.Version)
	return nil
}

// loadChart loads r's chart from its folder or its repository and checks
// that it can be installed.
func loadChart(in *action.Install, r Release, settings *cli.EnvSettings) (*chart.Chart, error) {
	var ch *chart.Chart
	var err error
	if r.Dir != "" {
		if ch, err = LoadChartDir(r.Dir); err != nil {
			return nil, fmt.Errorf("helm %s: %w", r.Name, err)
		}
	} else {
		// LocateChart prefers a file or folder of the chart's name in the
		// working directory over the repository, silently but for a log line.
		if _, err := os.Stat(r.Chart); err == nil {
			return nil, fmt.Errorf("helm %s: %q in the working directory would be installed instead of chart %s from %s (Helm prefers local paths); run from another directory", r.Name, r.Chart, r.Chart, r.Repo)
		}
		path, err := in.LocateChart(r.Chart, settings)
		if err != nil {
			return nil, fmt.Errorf("helm %s: chart %s: %w", r.Name, r.source(), err)
		}
		if ch, err = loader.Load(path); err != nil {
			return nil, fmt.Errorf("helm %s: load %s: %w", r.Name, path, err)
		}
	}
	if t := ch.Metadata.Type; t != "" && t != "application" {
		return nil, fmt.Errorf("helm %s: chart %s is of type %q and cannot be installed", r.Name, r.source(), t)
	}
	if err := action.CheckDependencies(ch, ch.Metadata.Dependencies); err != nil {
		return nil, fmt.Errorf("helm %s: chart %s: %w", r.Name, r.source(), err)
	}
	return ch, nil
}

// helmLog rate-limits Helm's debug log by format string.
func helmLog(w io.Writer, release string) action.DebugLog {
	var mu sync.Mutex
	last := map[string]time.Time{}
	return func(format string, v ...any) {
		mu.Lock()
		defer mu.Unlock()
		if t, ok := last[format]; ok && time.Since(t) < 15*time.Second {
			return
		}
		last[format] = time.Now()
		fmt.Fprintf(w, "  helm %s: %s\n", release, oneLine(fmt.Sprintf(format, v...)))
	}
}
