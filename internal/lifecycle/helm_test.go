package lifecycle

import (
	"bytes"
	"context"
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
	kb := KubeBlocksRelease(v)
	if kb.Name != "kubeblocks" || kb.Namespace != "kb-system" || kb.Chart != "kubeblocks" || kb.Version != "1.0.2" ||
		kb.Repo != "https://apecloud.github.io/helm-charts" || !kb.Wait || !kb.CreateNamespace || kb.Timeout < 5*time.Minute {
		t.Errorf("KubeBlocks release %+v", kb)
	}
	img, _ := kb.Values["image"].(map[string]any)
	if img["registry"] != "docker.io" || len(kb.Values) != 1 {
		t.Errorf("KubeBlocks values %v, want only image.registry=docker.io", kb.Values)
	}
	ad := AddonRelease(v)
	if ad.Name != "kb-addon-rocketmq" || ad.Namespace != "kb-system" || ad.Chart != "rocketmq" || ad.Version != "1.0.2" ||
		ad.Repo != "https://apecloud.github.io/helm-charts" || !ad.Wait || ad.Timeout <= 0 || len(ad.Values) != 0 {
		t.Errorf("addon release %+v", ad)
	}
	v.Addon.Namespace = "addons"
	if ns := AddonRelease(v).Namespace; ns != "addons" {
		t.Errorf("an addon namespace in versions.yaml must win, got %s", ns)
	}
}

func TestInstallAction(t *testing.T) {
	r := KubeBlocksRelease(manifests.DefaultVersions())
	in := installAction(&action.Configuration{}, r)
	if in.ReleaseName != "kubeblocks" || in.Namespace != "kb-system" || in.Version != "1.0.2" ||
		in.RepoURL != "https://apecloud.github.io/helm-charts" || !in.Wait || in.Timeout != r.Timeout || !in.CreateNamespace {
		t.Errorf("install %+v", in)
	}
	if in.SkipCRDs || in.DryRun || in.ClientOnly || in.Atomic {
		t.Errorf("SkipCRDs %v DryRun %v ClientOnly %v Atomic %v: KubeBlocks' CRDs come from the chart and the release is kept for diagnosis",
			in.SkipCRDs, in.DryRun, in.ClientOnly, in.Atomic)
	}
	r.Timeout = 0
	if in := installAction(&action.Configuration{}, r); in.Timeout != defaultHelmTimeout {
		t.Errorf("zero timeout became %v, want %v", in.Timeout, defaultHelmTimeout)
	}
}

func TestInstallRefusesAChartShadowedByTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rocketmq"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	err := Install(context.Background(), filepath.Join(dir, "no-kubeconfig"), AddonRelease(manifests.DefaultVersions()), nil)
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
