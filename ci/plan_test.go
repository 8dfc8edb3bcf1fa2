package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
		t.Errorf("build env %v: the binary must be static to run on any run image", b.Env)
	}
	if want := []string{"go", "build", "-o", "/out/rmqkb", "."}; !slices.Equal(b.Command, want) || b.Binary != "/out/rmqkb" {
		t.Errorf("build command = %q binary %q", b.Command, b.Binary)
	}
	// The reports package is a source; the reports written into its folder
	// are left out by .gitignore.
	if !slices.Equal(b.Exclude, []string{".git"}) {
		t.Errorf("build excludes = %v", b.Exclude)
	}
	if got := sourceExcludes("out/ci"); !slices.Equal(got, []string{".git", "out/ci"}) {
		t.Errorf("excludes for --reports out/ci: %v", got)
	}
	if got := sourceExcludes("/tmp/r"); !slices.Equal(got, []string{".git"}) {
		t.Errorf("excludes for --reports /tmp/r: %v", got)
	}

	r := p.Run
	if r.Image != "docker:27-dind" || !r.Privileged {
		t.Errorf("run image %q privileged %v", r.Image, r.Privileged)
	}
	// docker's image store, one dockerd at a time; the module cache the
	// build filled, where e2e finds KubeBlocks' CRDs and chart.
	if want := []CacheMount{{"/var/lib/docker", "rmqkb-ci-docker-store", true}, {"/go/pkg/mod", "rmqkb-ci-go-mod", false}}; !slices.Equal(r.Caches, want) {
		t.Errorf("run caches = %+v, want %+v", r.Caches, want)
	}
	if !slices.Equal(r.FromBuild, []string{"/usr/local/go"}) {
		t.Errorf("from the build step: %q, want Go (e2e runs go mod download)", r.FromBuild)
	}
	if want := []Input{{Host: "scripts/runc-nosysres", Path: "/usr/local/bin/runc-nosysres", File: true}}; !slices.Equal(r.Inputs, want) {
		t.Errorf("inputs = %+v, want only the runc wrapper", r.Inputs)
	}
	for _, e := range []EnvVar{{"DOCKER_TLS_CERTDIR", ""}, {"RMQKB_CI_KEEP_ON_FAILURE", ""}, {"RMQKB_CI_RUN_ID", "test-run"},
		{"RMQKB_CI_INSECURE_REGISTRY", ""}, {"GOTOOLCHAIN", "local"}} {
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
		"--timeout", "1h0m0s", "--reports", "/out/reports"}
	if !slices.Equal(r.E2E, want) {
		t.Errorf("e2e = %q\nwant  %q", r.E2E, want)
	}
	if !slices.ContainsFunc(r.Env, func(e EnvVar) bool { return e.Name == "PATH" && strings.HasPrefix(e.Value, "/usr/local/go/bin:") }) {
		t.Errorf("run env %v: PATH must start with the build step's Go", r.Env)
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
		{[]string{"--registry-mirror", "http://registry:5000"}, "--registry-mirror"},
		{[]string{"--go-image", ""}, "--go-image"},
		{[]string{"--dind-image", "a b"}, "--dind-image"},
		{[]string{"--addon-chart", t.TempDir()}, "--addon-chart"},
		{[]string{"--kubeblocks-chart", "/nonexistent/chart"}, "--kubeblocks-chart"},
		{[]string{"--addon-chart", chartWithMissingDependency(t)}, "dependency kblib"},
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

// chartTree writes a chart folder and a sibling it depends on by file://,
// as addons/rocketmq and addons/kblib of a kubeblocks-addons checkout, and
// returns the chart's folder.
func chartTree(t *testing.T) string {
	t.Helper()
	addons := filepath.Join(t.TempDir(), "addons")
	write := func(dir, chartYAML string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(chartYAML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(addons, "rocketmq"), "apiVersion: v2\nname: rocketmq\nversion: 1.0.2\ndependencies:\n- name: kblib\n  version: 0.1.0\n  repository: file://../kblib\n  alias: extra\n")
	write(filepath.Join(addons, "kblib"), "apiVersion: v2\nname: kblib\nversion: 0.1.0\n")
	return filepath.Join(addons, "rocketmq")
}

func chartWithMissingDependency(t *testing.T) string {
	t.Helper()
	dir := chartTree(t)
	if err := os.RemoveAll(filepath.Join(filepath.Dir(dir), "kblib")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The offline options reach the run step: the local images, the mirror
// (passed to e2e, and trusted over HTTP by the run step's dockerd), and the
// chart folders mounted where e2e finds each file:// dependency beside its
// chart, as on the host.
func TestPlanOffline(t *testing.T) {
	addon := chartTree(t)
	kb := filepath.Join(t.TempDir(), "helm")
	if err := os.MkdirAll(kb, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(kb, "Chart.yaml"), []byte("apiVersion: v2\nname: kubeblocks\nversion: 1.0.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const node = "registry.rmqkb.test:5000/kindest/node:v1.37.2@sha256:186da8be1ea8de02dff53d0d0115130e03597c2c9126d90bf2f157b6b511348f"
	p, err := NewPlan(defaultFlags(t, "--go-image", "rmqkb.local/ci/golang:1.26.8-bookworm", "--dind-image", "rmqkb.local/ci/dind:20.10-bookworm",
		"--registry-mirror", "registry.rmqkb.test:5000", "--kind-node-image", node, "--addon-chart", addon, "--kubeblocks-chart", kb))
	if err != nil {
		t.Fatal(err)
	}
	if p.Build.Image != "rmqkb.local/ci/golang:1.26.8-bookworm" || p.Run.Image != "rmqkb.local/ci/dind:20.10-bookworm" {
		t.Errorf("images %q %q", p.Build.Image, p.Run.Image)
	}
	if !slices.Contains(p.Run.Env, EnvVar{"RMQKB_CI_INSECURE_REGISTRY", "registry.rmqkb.test:5000"}) {
		t.Errorf("run env %v: the run step's dockerd must pull the node image from the mirror", p.Run.Env)
	}
	wantInputs := []Input{
		{Host: "scripts/runc-nosysres", Path: "/usr/local/bin/runc-nosysres", File: true},
		{Host: addon, Path: "/inputs/addon-chart/rocketmq"},
		{Host: filepath.Join(filepath.Dir(addon), "kblib"), Path: "/inputs/addon-chart/kblib"},
		{Host: kb, Path: "/inputs/kubeblocks-chart/helm"},
	}
	if !slices.Equal(p.Run.Inputs, wantInputs) {
		t.Errorf("inputs:\n got %+v\nwant %+v", p.Run.Inputs, wantInputs)
	}
	e2e := strings.Join(p.Run.E2E, " ")
	for _, s := range []string{"--kind-node-image " + node, "--registry-mirror registry.rmqkb.test:5000",
		"--addon-chart /inputs/addon-chart/rocketmq", "--kubeblocks-chart /inputs/kubeblocks-chart/helm"} {
		if !strings.Contains(e2e, s) {
			t.Errorf("e2e %q lacks %q", e2e, s)
		}
	}
}

// The run step's dockerd flags, from the script itself: the mirror is
// trusted over HTTP when given, and the runc wrapper becomes the default
// runtime exactly where the capability bounding set lacks
// CAP_SYS_RESOURCE (bit 24), refused clearly when the image cannot run it.
func TestRunStepDockerdOptions(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	const full, noSysResource = "000001ffffffffff", "000001fffeffffff"
	for _, tc := range []struct {
		name, capBnd, mirror string
		noTools              bool
		want, notWant        []string
		code                 int
	}{
		{"full set", full, "", false, []string{"--host=unix:///var/run/docker.sock"}, []string{"nosysres", "insecure"}, 0},
		{"mirror", full, "registry.rmqkb.test:5000", false, []string{"--insecure-registry=registry.rmqkb.test:5000"}, []string{"nosysres"}, 0},
		{"no CAP_SYS_RESOURCE", noSysResource, "", false,
			[]string{"--add-runtime nosysres=/usr/local/bin/runc-nosysres --default-runtime nosysres"}, nil, 0},
		{"no CAP_SYS_RESOURCE, no jq", noSysResource, "", true, []string{"lacks CAP_SYS_RESOURCE", "which needs"}, nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := filepath.Join(t.TempDir(), "status")
			if err := os.WriteFile(status, []byte("Name:\tsh\nCapInh:\t0000000000000000\nCapBnd:\t"+tc.capBnd+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := t.TempDir()
			for _, c := range []string{"awk", "bash", "jq"} {
				if tc.noTools && c != "awk" {
					continue
				}
				p, err := exec.LookPath(c)
				if err != nil {
					t.Skipf("no %s here", c)
				}
				if err := os.Symlink(p, filepath.Join(bin, c)); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(sh, "-c", "set -u\n"+dockerdOptions+"\necho \"opts: $opts\"")
			cmd.Env = []string{"PATH=" + bin, "RMQKB_CI_PROC_STATUS=" + status, "RMQKB_CI_INSECURE_REGISTRY=" + tc.mirror}
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(string(out), w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

// versions.yaml pins the Dagger version `images` stamps into the engine
// and CLI it builds; it must be the SDK's, which refuses any other.
func TestPinnedDaggerVersionIsTheSDKs(t *testing.T) {
	if got := manifests.DefaultVersions().Pipeline.Dagger; got != sdkVersion {
		t.Errorf("versions.yaml pipeline.dagger = %q, the SDK in go.mod is %s", got, sdkVersion)
	}
}

// clean_v2 touches the v2 hierarchy only on a hybrid host, and only below
// this container's own v2 cgroup: never at the root, never on a pure v1 or
// v2 host. A stub mount records whether it was asked.
func TestRunStepCleansV2LeftoversOnlyBelowItsOwnCgroup(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	for _, tc := range []struct {
		name, cgroup   string
		pureV2, mounts bool
	}{
		{"hybrid, in a container", "9:name=systemd:/docker/e/buildkit/x\n0::/docker/e\n", false, true},
		{"hybrid, at the root", "9:name=systemd:/\n0::/\n", false, false},
		{"pure v1", "9:name=systemd:/docker/e\n1:cpu:/docker/e\n", false, false},
		{"pure v2", "0::/docker/e\n", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cg := filepath.Join(dir, "cgroup")
			fs := filepath.Join(dir, "fs")
			os.MkdirAll(fs, 0o755)
			if tc.pureV2 {
				os.WriteFile(filepath.Join(fs, "cgroup.controllers"), []byte("cpu memory\n"), 0o644)
			}
			os.WriteFile(cg, []byte(tc.cgroup), 0o644)
			bin := t.TempDir()
			called := filepath.Join(dir, "mount-called")
			stub(t, bin, "mount", "echo \"$@\" > "+called+"; exit 1")
			for _, c := range []string{"sed", "mktemp", "rmdir"} {
				p, err := exec.LookPath(c)
				if err != nil {
					t.Skipf("no %s", c)
				}
				os.Symlink(p, filepath.Join(bin, c))
			}
			cmd := exec.Command(sh, "-c", cgroupV2Leftovers+"\nclean_v2")
			cmd.Env = []string{"PATH=" + bin, "RMQKB_CI_PROC_CGROUP=" + cg, "RMQKB_CI_CGROUP_FS=" + fs, "TMPDIR=" + dir}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			_, err := os.Stat(called)
			if mounted := err == nil; mounted != tc.mounts {
				t.Errorf("mount called: %v, want %v", mounted, tc.mounts)
			}
		})
	}
	for _, s := range []string{"clean_v2\n", "clean_v2\nexit \"$rc\""} {
		if !strings.Contains(runScript, s) {
			t.Errorf("the run script does not call clean_v2 (%q)", s)
		}
	}
}
