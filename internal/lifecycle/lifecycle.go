package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/rmqkb/conformance/manifests"
)

// Options say what Up brings up and where it keeps what Down needs.
type Options struct {
	Name      string // the kind cluster's name
	Versions  manifests.Versions
	Cluster   manifests.Cluster
	StateDir  string    // state.json, the kubeconfig, the mirror's hosts files; Down reads it
	Progress  io.Writer // step lines; nil discards them
	AddRoutes bool      // route the pod CIDRs via the nodes (needs root or CAP_NET_ADMIN)
	Host      Host      // what this host needs from the kind config (DetectHost)
	// Mirror, if set, is a registry (HOST:PORT) the nodes pull every image
	// through (see MirrorHostsTOML). If HOST is a Docker container, it is
	// connected to kind's network so that the nodes can reach it by name.
	Mirror string
	// KubeBlocksChart and AddonChart are chart folders to install instead of
	// the defaults: the deploy/helm folder of KubeBlocks' Go module, and the
	// addon from its chart repository.
	KubeBlocksChart, AddonChart string
	// AwaitRunning makes Up wait until the Cluster is Running (`up`, which
	// hands a person a cluster). A run leaves that to cluster/ready, which
	// judges it as the addon's promise, within a bound.
	AwaitRunning bool
}

// Env is what Up brought up.
type Env struct {
	Name       string  // the kind cluster
	Kubeconfig string  // written by kind, in StateDir
	Routes     []Route // added to this host; Down removes them
	StateDir   string
}

// Up brings up the Kubernetes target in the steps of upSteps: preflight,
// kind cluster, KubeBlocks' CRDs and chart, the rocketmq addon, the
// Cluster, and (with AddRoutes) routes to the pod network. From the kind
// step on, StateDir holds what Down must undo, so Down also cleans up
// after an Up that failed or was interrupted. Up refuses to run over the
// state of an earlier Up.
func Up(ctx context.Context, o Options) (*Env, error) { return defaultRunner().up(ctx, o) }

// Down undoes what the state in StateDir records: routes, then the kind
// cluster (and with it KubeBlocks and the Cluster), then the state itself.
// No state means nothing to do.
func Down(ctx context.Context, o Options) error { return defaultRunner().down(ctx, o) }

// Diagnose exports the kind cluster's node logs into dir/kind.
func Diagnose(ctx context.Context, o Options, dir string) error {
	return defaultRunner().diagnose(ctx, o, dir)
}

// runner holds the effects of the steps, so tests can replace them.
type runner struct {
	preflight     func(ctx context.Context, nodeImage string) error
	createKind    func(ctx context.Context, name string, cfg *v1alpha4.Cluster, kubeconfig string, w io.Writer) error
	connectMirror func(ctx context.Context, mirror string, w io.Writer) error
	deleteKind    func(name, kubeconfig string) error
	collectLogs   func(name, dir string) error
	moduleChart   func(version string) (string, error)
	installCRDs   func(ctx context.Context, kubeconfig string, dirs []string, w io.Writer) error
	install       func(ctx context.Context, kubeconfig string, r Release, w io.Writer) error
	createCluster func(ctx context.Context, kubeconfig string, m manifests.Cluster, w io.Writer) error
	awaitRunning  func(ctx context.Context, kubeconfig string, m manifests.Cluster, w io.Writer) error
	listNodes     func(ctx context.Context, kubeconfig string) ([]corev1.Node, error)
	addRoutes     func(context.Context, []Route) ([]Route, error)
	removeRoutes  func(context.Context, []Route) error
}

func defaultRunner() runner {
	return runner{
		preflight:     Preflight,
		createKind:    createKind,
		connectMirror: connectMirror,
		deleteKind:    deleteKind,
		collectLogs:   collectKindLogs,
		moduleChart:   KubeBlocksModuleChart,
		installCRDs:   InstallCRDs,
		install:       Install,
		createCluster: withKubeconfig(CreateCluster),
		awaitRunning:  withKubeconfig(AwaitRunning),
		listNodes:     listNodes,
		addRoutes:     AddRoutes,
		removeRoutes:  RemoveRoutes,
	}
}

// withKubeconfig adapts a step on a REST config to one on a kubeconfig
// file.
func withKubeconfig(f func(context.Context, *rest.Config, manifests.Cluster, io.Writer) error) func(context.Context, string, manifests.Cluster, io.Writer) error {
	return func(ctx context.Context, kubeconfig string, m manifests.Cluster, w io.Writer) error {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return fmt.Errorf("load %s: %w", kubeconfig, err)
		}
		return f(ctx, cfg, m, w)
	}
}

func listNodes(ctx context.Context, kubeconfig string) ([]corev1.Node, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	l, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return l.Items, nil
}

func (r runner) up(ctx context.Context, o Options) (*Env, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Name == "" || o.StateDir == "" {
		return nil, errors.New("lifecycle: Options.Name and Options.StateDir must be set")
	}
	dir, err := filepath.Abs(o.StateDir)
	if err != nil {
		return nil, err
	}
	if st, err := readState(dir); err == nil {
		return nil, fmt.Errorf("%s holds the state of an earlier up (kind cluster %q): run down first", statePath(dir), st.KindCluster)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	u := &upRun{r: r, o: o, env: &Env{Name: o.Name, Kubeconfig: filepath.Join(dir, "kubeconfig"), StateDir: dir}}
	steps := upSteps(o)
	s := &stepper{w: o.Progress, start: time.Now(), total: len(steps)}
	for i, st := range steps {
		s.begin(i+1, st.name, st.detail)
		if err := st.run(u, ctx); err != nil {
			return nil, s.fail(err)
		}
		s.done()
	}
	return u.env, nil
}

func (r runner) down(ctx context.Context, o Options) error {
	w := o.Progress
	if w == nil {
		w = io.Discard
	}
	dir, err := filepath.Abs(o.StateDir)
	if err != nil {
		return err
	}
	st, err := readState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(w, "down: no state at %s: nothing to do\n", statePath(dir))
		return nil
	} else if err != nil {
		return err
	}
	var errs []error
	if len(st.Routes) > 0 {
		fmt.Fprintf(w, "down: removing %d routes\n", len(st.Routes))
		if err := r.removeRoutes(ctx, st.Routes); err != nil {
			// Routes via the kind network go with it when the cluster is
			// deleted below; report, carry on.
			errs = append(errs, err)
		}
	}
	if st.KindCluster != "" {
		fmt.Fprintf(w, "down: deleting kind cluster %q\n", st.KindCluster)
		start := time.Now()
		if err := r.deleteKind(st.KindCluster, st.Kubeconfig); err != nil {
			// Keep the state: down can be run again.
			return errors.Join(append(errs, err)...)
		}
		fmt.Fprintf(w, "down: deleted in %s\n", round(time.Since(start)))
	}
	if st.CertsDir != "" && filepath.Dir(st.CertsDir) == dir {
		if err := os.RemoveAll(st.CertsDir); err != nil {
			errs = append(errs, err)
		}
	}
	// Only the files Up wrote, then the folder if that leaves it empty:
	// StateDir may be a folder the user also keeps other things in.
	for _, p := range []string{statePath(dir), st.Kubeconfig, filepath.Join(dir, "kubeconfig")} {
		if p != "" && filepath.Dir(p) == dir {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	_ = os.Remove(dir)
	return errors.Join(errs...)
}

func (r runner) diagnose(_ context.Context, o Options, dir string) error {
	name := o.Name
	if sd, err := filepath.Abs(o.StateDir); err == nil && o.StateDir != "" {
		if st, err := readState(sd); err == nil && st.KindCluster != "" {
			name = st.KindCluster
		}
	}
	if name == "" {
		return errors.New("diagnose: no kind cluster named in the options or the state")
	}
	return r.collectLogs(name, filepath.Join(dir, "kind"))
}

// state is StateDir/state.json: what Down must undo.
type state struct {
	KindCluster string  `json:"kindCluster"`
	Kubeconfig  string  `json:"kubeconfig"`
	CertsDir    string  `json:"certsDir,omitempty"` // the registry mirror's hosts files, mounted into the nodes
	Routes      []Route `json:"routes,omitempty"`
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

// writeState writes st atomically (temp file, rename), so an interrupted
// write leaves the previous state.
func writeState(dir string, st *state) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := statePath(dir) + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := os.Rename(tmp, statePath(dir)); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

func readState(dir string) (*state, error) {
	data, err := os.ReadFile(statePath(dir))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("state %s: %w", statePath(dir), err)
	}
	return &st, nil
}

// stepper prints "step N/M: ..." lines with timings and wraps errors with
// the step that failed.
type stepper struct {
	w     io.Writer
	start time.Time
	total int
	n     int
	title string
	t0    time.Time
}

// begin starts step n; name is what errors say, detail only printed.
func (s *stepper) begin(n int, name, detail string) {
	s.n, s.title, s.t0 = n, name, time.Now()
	if detail != "" && !strings.HasPrefix(detail, ":") {
		name += " "
	}
	name += detail
	fmt.Fprintf(s.w, "step %d/%d: %s (at %s)\n", n, s.total, name, round(time.Since(s.start)))
}

func (s *stepper) done() {
	fmt.Fprintf(s.w, "step %d/%d: done in %s (%s elapsed)\n", s.n, s.total, round(time.Since(s.t0)), round(time.Since(s.start)))
}

func (s *stepper) fail(err error) error {
	fmt.Fprintf(s.w, "step %d/%d: failed after %s\n", s.n, s.total, round(time.Since(s.t0)))
	return fmt.Errorf("step %d/%d (%s): %w", s.n, s.total, s.title, err)
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
