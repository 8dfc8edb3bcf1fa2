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
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/rmqkb/conformance/manifests"
)

// Options say what Up brings up and where it keeps what Down needs.
type Options struct {
	Name      string // the kind cluster's name
	Versions  manifests.Versions
	Cluster   manifests.Cluster
	StateDir  string    // state.json and the kubeconfig; Down reads it
	Progress  io.Writer // step lines; nil discards them
	AddRoutes bool      // route the pod CIDRs via the nodes (needs root or CAP_NET_ADMIN)
}

// Env is what Up brought up.
type Env struct {
	Name       string  // the kind cluster
	Kubeconfig string  // written by kind, in StateDir
	Routes     []Route // added to this host; Down removes them
	StateDir   string
}

const totalSteps = 6

// Up brings up the Kubernetes target in six steps: preflight, kind
// cluster, KubeBlocks, the rocketmq addon, the Cluster, and (with
// AddRoutes) routes to the pod network. From the kind step on, StateDir
// holds what Down must undo, so Down also cleans up after an Up that failed
// or was interrupted. Up refuses to run over the state of an earlier Up.
func Up(ctx context.Context, o Options) (*Env, error) { return defaultRunner().up(ctx, o) }

// Down undoes what the state in StateDir records: routes, then the kind
// cluster (and with it KubeBlocks and the Cluster), then the state itself.
// No state means nothing to do.
func Down(ctx context.Context, o Options) error { return defaultRunner().down(ctx, o) }

// Diagnose exports the kind cluster's node logs into dir/kind.
func Diagnose(ctx context.Context, o Options, dir string) error {
	return defaultRunner().diagnose(ctx, o, dir)
}

// runner holds the steps, so tests can replace them.
type runner struct {
	preflight     func(context.Context) error
	createKind    func(ctx context.Context, name string, cfg *v1alpha4.Cluster, kubeconfig string, w io.Writer) error
	deleteKind    func(name, kubeconfig string) error
	collectLogs   func(name, dir string) error
	install       func(ctx context.Context, kubeconfig string, r Release, w io.Writer) error
	createCluster func(ctx context.Context, kubeconfig string, m manifests.Cluster, w io.Writer) error
	listNodes     func(ctx context.Context, kubeconfig string) ([]corev1.Node, error)
	addRoutes     func(context.Context, []Route) ([]Route, error)
	removeRoutes  func(context.Context, []Route) error
}

func defaultRunner() runner {
	return runner{
		preflight:   Preflight,
		createKind:  createKind,
		deleteKind:  deleteKind,
		collectLogs: collectKindLogs,
		install:     Install,
		createCluster: func(ctx context.Context, kubeconfig string, m manifests.Cluster, w io.Writer) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("load %s: %w", kubeconfig, err)
			}
			return CreateCluster(ctx, cfg, m, w)
		},
		listNodes: func(ctx context.Context, kubeconfig string) ([]corev1.Node, error) {
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
		},
		addRoutes:    AddRoutes,
		removeRoutes: RemoveRoutes,
	}
}

func (r runner) up(ctx context.Context, o Options) (*Env, error) {
	w := o.Progress
	if w == nil {
		w = io.Discard
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
	s := &stepper{w: w, start: time.Now()}

	s.begin(1, "preflight", "of the kind config and the Docker engine")
	kindCfg, err := KindConfig(o.Versions.Kind.NodeImage)
	if err != nil {
		return nil, s.fail(err)
	}
	if err := r.preflight(ctx); err != nil {
		return nil, s.fail(err)
	}
	s.done()

	env := &Env{Name: o.Name, Kubeconfig: filepath.Join(dir, "kubeconfig"), StateDir: dir}
	s.begin(2, fmt.Sprintf("create kind cluster %q", o.Name), fmt.Sprintf("with %d nodes of %s", len(kindCfg.Nodes), o.Versions.Kind.NodeImage))
	// Recorded before create: kind's Create cannot be cancelled, and an
	// interrupted create leaves node containers that Down must remove.
	st := &state{KindCluster: o.Name, Kubeconfig: env.Kubeconfig}
	if err := writeState(dir, st); err != nil {
		return nil, s.fail(err)
	}
	if err := r.createKind(ctx, o.Name, kindCfg, env.Kubeconfig, w); err != nil {
		if errors.Is(err, errKindExists) {
			// Not ours: forget it, so Down leaves it alone.
			_ = os.Remove(statePath(dir))
			_ = os.Remove(dir) // only if empty
		}
		return nil, s.fail(err)
	}
	s.done()

	kb := KubeBlocksRelease(o.Versions)
	s.begin(3, "install KubeBlocks "+kb.Version, fmt.Sprintf("as release %s in %s", kb.Name, kb.Namespace))
	if err := r.install(ctx, env.Kubeconfig, kb, w); err != nil {
		return nil, s.fail(err)
	}
	s.done()

	addon := AddonRelease(o.Versions)
	s.begin(4, fmt.Sprintf("install the %s addon %s", addon.Chart, addon.Version), fmt.Sprintf("as release %s in %s", addon.Name, addon.Namespace))
	if err := r.install(ctx, env.Kubeconfig, addon, w); err != nil {
		return nil, s.fail(err)
	}
	s.done()

	s.begin(5, fmt.Sprintf("create Cluster %s/%s", o.Cluster.Namespace, o.Cluster.Name), "and wait until Running")
	if err := r.createCluster(ctx, env.Kubeconfig, o.Cluster, w); err != nil {
		return nil, s.fail(err)
	}
	s.done()

	if !o.AddRoutes {
		s.begin(6, "routes to the pod network", ": skipped (not asked for)")
		s.done()
		return env, nil
	}
	s.begin(6, "routes to the pod network", "via the kind nodes")
	nodes, err := r.listNodes(ctx, env.Kubeconfig)
	if err != nil {
		return nil, s.fail(err)
	}
	routes, err := Routes(nodes)
	if err != nil {
		return nil, s.fail(err)
	}
	added, addErr := r.addRoutes(ctx, routes)
	if len(added) > 0 {
		st.Routes = added
		if err := writeState(dir, st); err != nil {
			return nil, s.fail(errors.Join(addErr, err))
		}
	}
	if addErr != nil {
		// Not fatal: the layout and accounts suites need no pod network,
		// and the RocketMQ suites say within seconds that they cannot
		// reach it, and how to fix that.
		fmt.Fprintf(w, "  warning: %v; the RocketMQ suites will not reach the brokers' pod IPs\n", addErr)
	}
	for _, rt := range added {
		fmt.Fprintf(w, "  route %s\n", rt)
	}
	env.Routes = added
	s.done()
	return env, nil
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

// stepper prints "step N/6: ..." lines with timings and wraps errors with
// the step that failed.
type stepper struct {
	w     io.Writer
	start time.Time
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
	fmt.Fprintf(s.w, "step %d/%d: %s (at %s)\n", n, totalSteps, name, round(time.Since(s.start)))
}

func (s *stepper) done() {
	fmt.Fprintf(s.w, "step %d/%d: done in %s (%s elapsed)\n", s.n, totalSteps, round(time.Since(s.t0)), round(time.Since(s.start)))
}

func (s *stepper) fail(err error) error {
	fmt.Fprintf(s.w, "step %d/%d: failed after %s\n", s.n, totalSteps, round(time.Since(s.t0)))
	return fmt.Errorf("step %d/%d (%s): %w", s.n, totalSteps, s.title, err)
}

func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
