package lifecycle

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"

	"github.com/rmqkb/conformance/manifests"
)

// Release is one Helm release to install from a chart repository.
type Release struct {
	Name            string
	Namespace       string
	Repo            string // chart repository URL
	Chart           string // chart name in Repo
	Version         string
	Values          map[string]any
	Wait            bool
	Timeout         time.Duration // for Wait; zero means defaultHelmTimeout
	CreateNamespace bool
}

const defaultHelmTimeout = 5 * time.Minute

// KubeBlocksRelease is KubeBlocks as the facts sheet installs it: release
// kubeblocks in kb-system, namespace created. Its CRDs are in the chart's
// crds/ folder, which Helm creates first, before rendering the chart, and
// waits to be established (the docs' separate `kubectl create -f
// kubeblocks_crds.yaml` is then not needed). Install never sets SkipCRDs.
func KubeBlocksRelease(v manifests.Versions) Release {
	c := v.KubeBlocks
	return Release{
		Name:      or(c.Release, "kubeblocks"),
		Namespace: or(c.Namespace, "kb-system"),
		Repo:      c.Repo,
		Chart:     or(c.Chart, "kubeblocks"),
		Version:   c.Version,
		// The chart's default registry is apecloud's Aliyun mirror; kind
		// pulls from Docker Hub more reliably (facts sheet, section 0).
		Values:          map[string]any{"image": map[string]any{"registry": "docker.io"}},
		Wait:            true,
		Timeout:         10 * time.Minute,
		CreateNamespace: true,
	}
}

// AddonRelease is the rocketmq addon: release kb-addon-rocketmq in
// KubeBlocks' namespace unless versions.yaml names another.
func AddonRelease(v manifests.Versions) Release {
	c := v.Addon
	return Release{
		Name:      or(c.Release, "kb-addon-rocketmq"),
		Namespace: or(c.Namespace, or(v.KubeBlocks.Namespace, "kb-system")),
		Repo:      c.Repo,
		Chart:     or(c.Chart, "rocketmq"),
		Version:   c.Version,
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
	in.Version = r.Version
	in.RepoURL = r.Repo
	in.Wait = r.Wait
	// The SDK has no default: a zero timeout with Wait fails at once (the
	// CLI's 5m default lives in its flag).
	in.Timeout = r.Timeout
	if in.Timeout <= 0 {
		in.Timeout = defaultHelmTimeout
	}
	in.CreateNamespace = r.CreateNamespace
	in.SkipCRDs = false // KubeBlocks' CRDs come from the chart's crds/ folder
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
	// LocateChart prefers a file or folder of the chart's name in the
	// working directory over the repository, silently but for a log line.
	if _, err := os.Stat(r.Chart); err == nil {
		return fmt.Errorf("helm %s: %q in the working directory would be installed instead of chart %s from %s (Helm prefers local paths); run from another directory", r.Name, r.Chart, r.Chart, r.Repo)
	}
	settings := cli.New()
	settings.KubeConfig = kubeconfigPath
	settings.SetNamespace(r.Namespace)

	cfg := new(action.Configuration)
	if err := cfg.Init(settings.RESTClientGetter(), r.Namespace, "secret", helmLog(progress, r.Name)); err != nil {
		return fmt.Errorf("helm %s: init: %w", r.Name, err)
	}
	in := installAction(cfg, r)
	path, err := in.LocateChart(r.Chart, settings)
	if err != nil {
		return fmt.Errorf("helm %s: chart %s %s from %s: %w", r.Name, r.Chart, r.Version, r.Repo, err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return fmt.Errorf("helm %s: load %s: %w", r.Name, path, err)
	}
	if t := ch.Metadata.Type; t != "" && t != "application" {
		return fmt.Errorf("helm %s: chart %s is of type %q and cannot be installed", r.Name, r.Chart, t)
	}
	if err := action.CheckDependencies(ch, ch.Metadata.Dependencies); err != nil {
		return fmt.Errorf("helm %s: chart %s: %w", r.Name, r.Chart, err)
	}
	fmt.Fprintf(progress, "  helm: installing %s %s (%d CRDs first) as %s in %s, wait %v\n",
		ch.Metadata.Name, ch.Metadata.Version, len(ch.CRDObjects()), r.Name, r.Namespace, in.Timeout)
	rel, err := in.RunWithContext(ctx, ch, r.Values)
	if err != nil {
		return fmt.Errorf("helm install %s (%s %s) in %s: %w", r.Name, r.Chart, r.Version, r.Namespace, err)
	}
	fmt.Fprintf(progress, "  helm: %s %s, revision %d\n", rel.Name, rel.Info.Status, rel.Version)
	return nil
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
