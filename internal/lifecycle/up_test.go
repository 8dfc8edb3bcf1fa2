package lifecycle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/rmqkb/conformance/manifests"
)

// fake is a runner whose steps record their calls and fail on demand.
type fake struct {
	t        *testing.T
	dir      string
	calls    []string
	fail     map[string]error
	added    []Route // what addRoutes reports added (nil: all)
	kindSeen *state  // state.json as createKind found it
	after    *state  // state.json as the KubeBlocks install found it
	kindCfg  *v1alpha4.Cluster
	crdDirs  []string
	releases []Release
	// chartVersion is the KubeBlocks version whose module chart was asked for.
	chartVersion string
}

func (f *fake) step(name string) error {
	f.calls = append(f.calls, name)
	return f.fail[name]
}

func (f *fake) runner() runner {
	return runner{
		preflight: func(context.Context, string) error { return f.step("preflight") },
		createKind: func(_ context.Context, name string, cfg *v1alpha4.Cluster, kc string, _ io.Writer) error {
			f.kindSeen, _ = readState(f.dir)
			f.kindCfg = cfg
			if len(cfg.Nodes) != 1 || cfg.Nodes[0].Image != testImage || kc != filepath.Join(f.dir, "kubeconfig") {
				f.t.Errorf("createKind(%s, %d nodes, %s)", name, len(cfg.Nodes), kc)
			}
			return f.step("kind create " + name)
		},
		connectMirror: func(_ context.Context, mirror string, _ io.Writer) error { return f.step("connect " + mirror) },
		moduleChart: func(v string) (string, error) {
			f.chartVersion = v
			dir := filepath.Join(filepath.Dir(f.dir), "module", "deploy", "helm")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			return dir, os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: kubeblocks\nversion: 1.0.0\n"), 0o644)
		},
		installCRDs: func(_ context.Context, _ string, dirs []string, _ io.Writer) error {
			f.crdDirs = dirs
			return f.step("crds")
		},
		deleteKind: func(name, kc string) error { return f.step("kind delete " + name + " " + filepath.Base(kc)) },
		collectLogs: func(name, dir string) error {
			return f.step("kind logs " + name + " " + filepath.Base(dir))
		},
		install: func(_ context.Context, kc string, r Release, _ io.Writer) error {
			if r.Name == "kubeblocks" {
				f.after, _ = readState(f.dir)
			}
			f.releases = append(f.releases, r)
			return f.step("helm " + r.Name)
		},
		createCluster: func(_ context.Context, _ string, m manifests.Cluster, _ io.Writer) error {
			return f.step("cluster " + m.Namespace + "/" + m.Name)
		},
		listNodes: func(context.Context, string) ([]corev1.Node, error) {
			return []corev1.Node{node("rmq-worker", "172.18.0.3", "10.244.1.0/24"), node("rmq-control-plane", "172.18.0.2", "10.244.0.0/24")},
				f.step("nodes")
		},
		addRoutes: func(_ context.Context, rs []Route) ([]Route, error) {
			err := f.step(fmt.Sprintf("route add %d", len(rs)))
			if f.added != nil {
				return f.added, err
			}
			return rs, err
		},
		removeRoutes: func(_ context.Context, rs []Route) error {
			var cidrs []string
			for _, r := range rs {
				cidrs = append(cidrs, r.CIDR)
			}
			return f.step("route del " + strings.Join(cidrs, ","))
		},
	}
}

func options(t *testing.T, routes bool) (Options, *bytes.Buffer) {
	var b bytes.Buffer
	v := manifests.DefaultVersions()
	v.Kind.NodeImage = testImage
	return Options{Name: "rmq", Versions: v, Cluster: manifests.DefaultCluster(),
		StateDir: filepath.Join(t.TempDir(), "state"), Progress: &b, AddRoutes: routes}, &b
}

func TestUpRunsTheStepsInOrderAndDownUndoesThem(t *testing.T) {
	o, out := options(t, true)
	f := &fake{t: t, dir: o.StateDir}
	env, err := f.runner().up(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"preflight", "kind create rmq", "crds", "helm kubeblocks", "helm kb-addon-rocketmq", "cluster demo/rocketmq-cluster", "nodes", "route add 2"}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("steps %q\nwant  %q", f.calls, want)
	}
	if f.kindSeen == nil || f.kindSeen.KindCluster != "rmq" {
		t.Errorf("state when kind create ran: %+v; the cluster must be recorded before it is created", f.kindSeen)
	}
	if f.after == nil || f.after.KindCluster != "rmq" || f.after.Kubeconfig != env.Kubeconfig {
		t.Errorf("state after kind create: %+v", f.after)
	}
	wantRoutes := []Route{{"10.244.0.0/24", "172.18.0.2", "rmq-control-plane"}, {"10.244.1.0/24", "172.18.0.3", "rmq-worker"}}
	if env.Name != "rmq" || env.Kubeconfig != filepath.Join(o.StateDir, "kubeconfig") || !reflect.DeepEqual(env.Routes, wantRoutes) {
		t.Errorf("env %+v", env)
	}
	st, err := readState(o.StateDir)
	if err != nil || !reflect.DeepEqual(st.Routes, wantRoutes) {
		t.Errorf("state %+v, %v: want the routes recorded", st, err)
	}
	var seen []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "step ") && !strings.Contains(l, ": done in ") {
			seen = append(seen, l[:8])
		}
		if strings.HasPrefix(l, "step ") && !strings.Contains(l, " in ") && !strings.Contains(l, "(at ") {
			t.Errorf("step line without a time: %q", l)
		}
	}
	if strings.Join(seen, ",") != "step 1/7,step 2/7,step 3/7,step 4/7,step 5/7,step 6/7,step 7/7" {
		t.Errorf("progress:\n%s", out)
	}

	f.calls = nil
	if err := f.runner().down(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if want := []string{"route del 10.244.0.0/24,10.244.1.0/24", "kind delete rmq kubeconfig"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("down %q, want %q", f.calls, want)
	}
	if _, err := os.Stat(o.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir after down: %v", err)
	}
}

func TestUpWithoutRoutes(t *testing.T) {
	o, out := options(t, false)
	f := &fake{t: t, dir: o.StateDir}
	env, err := f.runner().up(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if last := f.calls[len(f.calls)-1]; last != "cluster demo/rocketmq-cluster" || len(env.Routes) != 0 {
		t.Errorf("calls %q routes %v", f.calls, env.Routes)
	}
	if !strings.Contains(out.String(), "step 7/7: routes to the pod network: skipped") {
		t.Errorf("progress:\n%s", out)
	}
}

func TestAFailedStepLeavesStateDownCanUndo(t *testing.T) {
	o, out := options(t, true)
	boom := errors.New("chart not found")
	f := &fake{t: t, dir: o.StateDir, fail: map[string]error{"helm kubeblocks": boom}}
	_, err := f.runner().up(context.Background(), o)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "step 4/7 (install KubeBlocks 1.0.2): ") {
		t.Fatalf("got %v, want the error wrapped with step 4", err)
	}
	if !strings.Contains(out.String(), "step 4/7: failed after") {
		t.Errorf("progress:\n%s", out)
	}
	if want := []string{"preflight", "kind create rmq", "crds", "helm kubeblocks"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("steps %q, want %q", f.calls, want)
	}
	// A second up must not run over the state.
	if _, err := f.runner().up(context.Background(), o); err == nil || !strings.Contains(err.Error(), "run down first") {
		t.Errorf("up over a state: %v", err)
	}

	// Down with a failing delete keeps the state for another try.
	f.calls, f.fail = nil, map[string]error{"kind delete rmq kubeconfig": errors.New("docker: no engine")}
	if err := f.runner().down(context.Background(), o); err == nil {
		t.Fatal("down must report the failed delete")
	}
	if _, err := readState(o.StateDir); err != nil {
		t.Fatalf("state after a failed down: %v", err)
	}
	f.calls, f.fail = nil, nil
	if err := f.runner().down(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kind delete rmq kubeconfig"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("down %q, want %q", f.calls, want)
	}
	if _, err := os.Stat(o.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir after down: %v", err)
	}
	var b bytes.Buffer
	o.Progress = &b
	if err := f.runner().down(context.Background(), o); err != nil || !strings.Contains(b.String(), "nothing to do") {
		t.Errorf("second down: %v, %q", err, b.String())
	}
}

// TestRoutesAddedBeforeAFailureAreRecorded: a route that cannot be added
// does not fail Up (the object suites need no pod network, and the
// RocketMQ suites report it); it is warned about, and the routes that were
// added are recorded for Down.
func TestRoutesAddedBeforeAFailureAreRecorded(t *testing.T) {
	o, progress := options(t, true)
	f := &fake{t: t, dir: o.StateDir, fail: map[string]error{"route add 2": errors.New("needs CAP_NET_ADMIN")},
		added: []Route{{"10.244.0.0/24", "172.18.0.2", "rmq-control-plane"}}}
	env, err := f.runner().up(context.Background(), o)
	if err != nil {
		t.Fatalf("Up failed on a route: %v", err)
	}
	if len(env.Routes) != 1 || !strings.Contains(progress.String(), "warning: ") || !strings.Contains(progress.String(), "CAP_NET_ADMIN") {
		t.Errorf("routes %v, progress %q: want the added route and a warning naming the cause", env.Routes, progress.String())
	}
	f.calls, f.fail = nil, nil
	if err := f.runner().down(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if want := []string{"route del 10.244.0.0/24", "kind delete rmq kubeconfig"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("down %q, want %q", f.calls, want)
	}
}

func TestAClusterThatExistedIsNotRecorded(t *testing.T) {
	o, _ := options(t, true)
	f := &fake{t: t, dir: o.StateDir, fail: map[string]error{"kind create rmq": fmt.Errorf("%w: \"rmq\"", errKindExists)}}
	if _, err := f.runner().up(context.Background(), o); !errors.Is(err, errKindExists) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(o.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir: %v; a cluster Up did not create must not be left for Down", err)
	}
}

func TestUpRefusesAnUnpinnedImageBeforeAnything(t *testing.T) {
	o, _ := options(t, true)
	o.Versions.Kind.NodeImage = "kindest/node:v1.37.0"
	f := &fake{t: t, dir: o.StateDir}
	_, err := f.runner().up(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "--kind-node-image") || !strings.HasPrefix(err.Error(), "step 1/7") || len(f.calls) != 0 {
		t.Fatalf("got %v after %q", err, f.calls)
	}
}

func TestUpWithoutAnEngineFailsAtPreflight(t *testing.T) {
	stubDocker(t, `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1`)
	o, _ := options(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := Up(ctx, o)
	if !errors.Is(err, ErrNoEngine) || !strings.HasPrefix(err.Error(), "step 1/7 (preflight): ") {
		t.Fatalf("got %v, want ErrNoEngine from step 1", err)
	}
	if _, err := os.Stat(o.StateDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir after a failed preflight: %v", err)
	}
	if err := Down(context.Background(), o); err != nil {
		t.Errorf("down with no state: %v", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	in := &state{KindCluster: "rmq", Kubeconfig: filepath.Join(dir, "kubeconfig"), Routes: []Route{{"10.244.0.0/24", "172.18.0.2", "cp"}}}
	if err := writeState(dir, in); err != nil {
		t.Fatal(err)
	}
	out, err := readState(dir)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("read %+v, %v; wrote %+v", out, err, in)
	}
	data, _ := os.ReadFile(statePath(dir))
	if !strings.Contains(string(data), `"kindCluster": "rmq"`) || !strings.Contains(string(data), `"cidr": "10.244.0.0/24"`) {
		t.Errorf("state.json:\n%s", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %d files, want state.json only", len(entries))
	}
	if err := os.WriteFile(statePath(dir), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readState(dir); err == nil || !strings.Contains(err.Error(), "state.json") {
		t.Errorf("corrupt state: %v", err)
	}
}

func TestDownLeavesOtherFilesInTheStateDir(t *testing.T) {
	o, _ := options(t, false)
	f := &fake{t: t, dir: o.StateDir}
	if _, err := f.runner().up(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(o.StateDir, "notes.txt")
	if err := os.WriteFile(mine, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.runner().down(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("down removed a file it did not write: %v", err)
	}
	if _, err := os.Stat(statePath(o.StateDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state.json after down: %v", err)
	}
}

func TestDiagnoseUsesTheRecordedCluster(t *testing.T) {
	o, _ := options(t, false)
	f := &fake{t: t, dir: o.StateDir}
	if err := writeState(o.StateDir, &state{KindCluster: "from-state"}); err != nil {
		t.Fatal(err)
	}
	if err := f.runner().diagnose(context.Background(), o, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kind logs from-state kind"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls %q", f.calls)
	}
}

// TestUpWithAMirrorAndChartFolders: the hosts files are written into the
// state folder before kind mounts them, the mirror is connected to kind's
// network once the cluster exists, KubeBlocks' CRDs come from its chart
// folder, both charts are installed from their folders, and Down removes
// the hosts files.
func TestUpWithAMirrorAndChartFolders(t *testing.T) {
	o, _ := options(t, false)
	o.Mirror = "rmqkb-registry:5000"
	o.AddonChart = writeCharts(t, "lib", "0.1.0")
	o.KubeBlocksChart = filepath.Dir(filepath.Dir(o.AddonChart)) // any chart folder: its Chart.yaml is checked
	if err := os.WriteFile(filepath.Join(o.KubeBlocksChart, "Chart.yaml"), []byte("apiVersion: v2\nname: kubeblocks\nversion: 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fake{t: t, dir: o.StateDir}
	if _, err := f.runner().up(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := []string{"preflight", "kind create rmq", "connect rmqkb-registry:5000", "crds", "helm kubeblocks", "helm kb-addon-rocketmq", "cluster demo/rocketmq-cluster"}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("steps %q\nwant  %q", f.calls, want)
	}
	certs := filepath.Join(o.StateDir, "certs.d")
	if f.kindSeen == nil || f.kindSeen.CertsDir != certs {
		t.Errorf("state before kind create %+v: want the hosts folder recorded", f.kindSeen)
	}
	if m := f.kindCfg.Nodes[0].ExtraMounts; len(m) != 1 || m[0].HostPath != certs {
		t.Errorf("node mounts %+v, want %s", m, certs)
	}
	if _, err := os.Stat(filepath.Join(certs, "docker.io", "hosts.toml")); err != nil {
		t.Errorf("hosts file: %v", err)
	}
	if f.chartVersion != "" {
		t.Errorf("the module's chart was resolved (%s) though --kubeblocks-chart was given", f.chartVersion)
	}
	wantCRDs := []string{filepath.Join(o.KubeBlocksChart, "crds"), filepath.Join(o.KubeBlocksChart, "crds", "snapshot")}
	if !reflect.DeepEqual(f.crdDirs, wantCRDs) {
		t.Errorf("CRD folders %q, want %q", f.crdDirs, wantCRDs)
	}
	if len(f.releases) != 2 || f.releases[0].Dir != o.KubeBlocksChart || f.releases[1].Dir != o.AddonChart {
		t.Errorf("releases %+v", f.releases)
	}
	if err := f.runner().down(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(certs); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("hosts folder after down: %v", err)
	}
}

// TestUpTakesKubeBlocksFromItsModule: without --kubeblocks-chart the chart
// is the deploy/helm folder of KubeBlocks' Go module at the pinned version.
func TestUpTakesKubeBlocksFromItsModule(t *testing.T) {
	o, _ := options(t, false)
	f := &fake{t: t, dir: o.StateDir}
	if _, err := f.runner().up(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if f.chartVersion != "1.0.2" || !strings.HasSuffix(f.releases[0].Dir, filepath.Join("module", "deploy", "helm")) {
		t.Errorf("module version %q, KubeBlocks chart %q", f.chartVersion, f.releases[0].Dir)
	}
	if f.releases[1].Dir != "" || f.releases[1].Repo == "" {
		t.Errorf("addon release %+v: without --addon-chart it comes from its repository", f.releases[1])
	}
}
