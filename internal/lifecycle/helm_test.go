package lifecycle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"

	"github.com/rmqkb/conformance/manifests"
)

func TestReleases(t *testing.T) {
	v := manifests.DefaultVersions()
	kb := KubeBlocksRelease(v, "/module/deploy/helm")
	if kb.Name != "kubeblocks" || kb.Namespace != "kb-system" || kb.Dir != "/module/deploy/helm" || kb.Version != "1.0.2" ||
		!kb.Wait || !kb.CreateNamespace || kb.Timeout < 5*time.Minute {
		t.Errorf("KubeBlocks release %+v", kb)
	}
	// The chart stays unmodified; the values fit it to kind: images from
	// docker.io at the release's tag whatever the folder's appVersion, no
	// addon jobs, CPU for a 2-CPU node.
	got := fmt.Sprint(kb.Values)
	for _, want := range []string{"image:map[registry:docker.io tag:1.0.2]", "dataProtection:map[image:map[tag:1.0.2]]",
		"addonChartsImage:map[tag:1.0.2]", "autoInstalledAddons:[]", "resources:map[cpu:300m memory:1Gi]"} {
		if !strings.Contains(got, want) {
			t.Errorf("KubeBlocks values %s lack %s", got, want)
		}
	}
	ad := AddonRelease(v, "")
	if ad.Name != "kb-addon-rocketmq" || ad.Namespace != "kb-system" || ad.Chart != "rocketmq" || ad.Version != "1.0.2" ||
		ad.Repo != "https://apecloud.github.io/helm-charts" || !ad.Wait || ad.Timeout <= 0 || len(ad.Values) != 0 || ad.Dir != "" {
		t.Errorf("addon release %+v", ad)
	}
	if d := AddonRelease(v, "/src/addons/rocketmq").Dir; d != "/src/addons/rocketmq" {
		t.Errorf("addon folder %q", d)
	}
	v.Addon.Namespace = "addons"
	if ns := AddonRelease(v, "").Namespace; ns != "addons" {
		t.Errorf("an addon namespace in versions.yaml must win, got %s", ns)
	}
}

func TestInstallAction(t *testing.T) {
	r := AddonRelease(manifests.DefaultVersions(), "")
	r.CreateNamespace = true
	in := installAction(&action.Configuration{}, r)
	if in.ReleaseName != "kb-addon-rocketmq" || in.Namespace != "kb-system" || in.Version != "1.0.2" ||
		in.RepoURL != "https://apecloud.github.io/helm-charts" || !in.Wait || in.Timeout != r.Timeout || !in.CreateNamespace {
		t.Errorf("install %+v", in)
	}
	if in.DryRun || in.ClientOnly || in.Atomic {
		t.Errorf("DryRun %v ClientOnly %v Atomic %v: the release is kept for diagnosis", in.DryRun, in.ClientOnly, in.Atomic)
	}
	r.Timeout = 0
	if in := installAction(&action.Configuration{}, r); in.Timeout != defaultHelmTimeout {
		t.Errorf("zero timeout became %v, want %v", in.Timeout, defaultHelmTimeout)
	}
	r.Dir = "/src/addons/rocketmq"
	if in := installAction(&action.Configuration{}, r); in.RepoURL != "" || in.Version != "" {
		t.Errorf("a chart folder must not be looked up in a repository: repo %q version %q", in.RepoURL, in.Version)
	}
}

func TestInstallRefusesAChartShadowedByTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rocketmq"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	err := Install(context.Background(), filepath.Join(dir, "no-kubeconfig"), AddonRelease(manifests.DefaultVersions(), ""), nil)
	if err == nil || !strings.Contains(err.Error(), "working directory") {
		t.Fatalf("got %v", err)
	}
}

func TestHelmLogIsRateLimitedPerMessage(t *testing.T) {
	var b bytes.Buffer
	log := helmLog(&b, "kubeblocks")
	for range 5 {
		log("Deployment is not ready: %s. %d out of %d expected pods are ready", "kb-system/kubeblocks", 0, 1)
	}
	log("creating %d resource(s)", 42)
	want := "  helm kubeblocks: Deployment is not ready: kb-system/kubeblocks. 0 out of 1 expected pods are ready\n  helm kubeblocks: creating 42 resource(s)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
