package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/manifests"
)

func defaultFlags(t *testing.T, args ...string) Flags {
	t.Helper()
	f, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatalf("parseFlags(%q): %v", args, err)
	}
	f.RunID = "test-run"
	return f
}

func TestPlanFromDefaultFlags(t *testing.T) {
	p, err := NewPlan(defaultFlags(t))
	if err != nil {
		t.Fatal(err)
	}
	b := p.Build
	if b.Image != "golang:1.26" || b.Source != "." || b.Workdir != "/src" {
		t.Errorf("build image/source/workdir = %q %q %q", b.Image, b.Source, b.Workdir)
	}
	wantCaches := []CacheMount{{"/go/pkg/mod", "rmqkb-ci-go-mod", false}, {"/root/.cache/go-build", "rmqkb-ci-go-build", false}}
	if !slices.Equal(b.Caches, wantCaches) {
		t.Errorf("build caches = %+v, want %+v", b.Caches, wantCaches)
	}
	if !slices.Contains(b.Env, EnvVar{"CGO_ENABLED", "0"}) {
		t.Errorf("build env %v: the binary must be static to run on the Alpine dind image", b.Env)
	}
	if want := []string{"go", "build", "-o", "/out/rmqkb", "."}; !slices.Equal(b.Command, want) || b.Binary != "/out/rmqkb" {
		t.Errorf("build command = %q binary %q", b.Command, b.Binary)
	}
	if !slices.Contains(b.Exclude, "reports") || !slices.Contains(b.Exclude, ".git") {
		t.Errorf("build excludes = %v", b.Exclude)
	}

	r := p.Run
	if r.Image != "docker:27-dind" || !r.Privileged {
		t.Errorf("run image %q privileged %v", r.Image, r.Privileged)
	}
	if want := []CacheMount{{"/var/lib/docker", "rmqkb-ci-docker-store", true}}; !slices.Equal(r.Caches, want) {
		t.Errorf("run caches = %+v, want %+v (docker's image store, one dockerd at a time)", r.Caches, want)
	}
	for _, e := range []EnvVar{{"DOCKER_TLS_CERTDIR", ""}, {"RMQKB_CI_KEEP_ON_FAILURE", ""}, {"RMQKB_CI_RUN_ID", "test-run"}} {
		if !slices.Contains(r.Env, e) {
			t.Errorf("run env %v lacks %v", r.Env, e)
		}
	}
	if r.Binary != "/usr/local/bin/rmqkb" || r.Reports != "/out/reports" {
		t.Errorf("run binary %q reports %q", r.Binary, r.Reports)
	}
	// The container runs the script, whose "$@" is exactly the e2e command.
	if len(r.Command) < 4 || !slices.Equal(r.Command[:4], []string{"sh", "-c", runScript, "rmqkb-ci"}) {
		t.Fatalf("run command head = %q", r.Command[:min(4, len(r.Command))])
	}
	if !slices.Equal(r.Command[4:], r.E2E) {
		t.Errorf("run command tail = %q, want the e2e command %q", r.Command[4:], r.E2E)
	}
	want := []string{"/usr/local/bin/rmqkb", "e2e",
		"--kind-node-image", manifests.DefaultVersions().Kind.NodeImage,
		"--kubeblocks-version", "1.0.2", "--addon-version", "1.0.2",
		"--timeout", "15m0s", "--reports", "/out/reports"}
	if !slices.Equal(r.E2E, want) {
		t.Errorf("e2e = %q\nwant  %q", r.E2E, want)
	}
	for _, s := range []string{"dockerd-entrypoint.sh dockerd", "until docker info", "mkdir -p /out/reports", `"$@"`, `exit "$rc"`} {
		if !strings.Contains(runScript, s) {
			t.Errorf("run script lacks %q", s)
		}
	}
	if p.Export != (Export{From: "/out/reports", To: "reports"}) {
		t.Errorf("export = %+v", p.Export)
	}
}

func TestPlanKeepOnFailure(t *testing.T) {
	p, err := NewPlan(defaultFlags(t, "--keep-on-failure", "--reports", "out"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Run.E2E[len(p.Run.E2E)-1] != "--keep" {
		t.Errorf("e2e = %q: --keep-on-failure must pass --keep", p.Run.E2E)
	}
	if !slices.Contains(p.Run.Env, EnvVar{"RMQKB_CI_KEEP_ON_FAILURE", "1"}) {
		t.Errorf("env = %v", p.Run.Env)
	}
	if !strings.Contains(runScript, `"$1" down`) {
		t.Error("the script must tear a kept cluster down after a passing run")
	}
	if p.Export.To != "out" {
		t.Errorf("export to %q", p.Export.To)
	}
}

func TestPlanValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--kind-node-image", "kindest/node:v1.37.0"}, "--kind-node-image"},
		{[]string{"--kind-node-image", "kindest/node@sha256:abc"}, "--kind-node-image"},
		{[]string{"--kubeblocks-version", "latest"}, "--kubeblocks-version"},
		{[]string{"--addon-version", ""}, "--addon-version"},
		{[]string{"--run", "(["}, "--run"},
		{[]string{"--suites", "routing,nosuch"}, "--suites"},
		{[]string{"--suites", "routing", "--run", "x"}, "--suites"},
		{[]string{"--shards", "129"}, "--shards"},
		{[]string{"--shards", "-1"}, "--shards"},
		{[]string{"--replicas", "9"}, "--replicas"},
		{[]string{"--timeout", "0s"}, "--timeout"},
		{[]string{"--reports", " "}, "--reports"},
	} {
		_, err := NewPlan(defaultFlags(t, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("NewPlan(%q) = %v, want an error naming %s", tc.args, err, tc.flag)
		}
	}
}

func TestBadInputExits2NamingTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--shards", "two"}, "-shards"},
		{[]string{"--nosuch"}, "-nosuch"},
		{[]string{"--replicas", "0", "extra"}, `"extra"`},
		{[]string{"--suites", ","}, "--suites"},
		{[]string{"--timeout", "-1m"}, "--timeout"},
		{[]string{"--kind-node-image", "kindest/node:latest"}, "--kind-node-image"},
	} {
		var stderr strings.Builder
		dir := t.TempDir()
		code := run(t.Context(), append(tc.args, "--reports", dir), io.Discard, &stderr, connectTimeout)
		if code != 2 || !strings.Contains(stderr.String(), tc.flag) {
			t.Errorf("run(%q) = %d, stderr %q; want 2 naming %s", tc.args, code, stderr.String(), tc.flag)
		}
	}
}

func TestFlagsParse(t *testing.T) {
	f := defaultFlags(t, "--suites", "routing, messaging", "--shards", "2", "--replicas", "3", "--timeout", "20m", "--reports", "r")
	if !slices.Equal(f.Suites, []string{"routing", "messaging"}) || f.Shards != 2 || f.Replicas != 3 || f.Timeout != 20*time.Minute || f.Reports != "r" {
		t.Errorf("flags = %+v", f)
	}
	v := manifests.DefaultVersions()
	if f.KindNodeImage != v.Kind.NodeImage || f.KubeBlocksVersion != v.KubeBlocks.Version || f.AddonVersion != v.Addon.Version {
		t.Errorf("version defaults = %q %q %q, want versions.yaml's", f.KindNodeImage, f.KubeBlocksVersion, f.AddonVersion)
	}
}
