package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/kind/pkg/cluster"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/rmqkb/conformance/internal/wait"
)

// errKindExists: a kind cluster of that name exists already. Up did not
// create it, so it must not record it for Down to delete.
var errKindExists = errors.New("a kind cluster of that name exists already")

// kindReadyWait bounds kind's own wait for the control plane.
const kindReadyWait = 5 * time.Minute

// createKind creates the kind cluster and writes its kubeconfig to
// kubeconfigPath, then waits until every node is Ready. kind's own wait
// covers control-plane nodes only and, on timeout, warns and returns nil.
// kind's Create takes no context: ctx is checked before it and bounds the
// node wait after it.
func createKind(ctx context.Context, name string, cfg *v1alpha4.Cluster, kubeconfigPath string, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := kindProvider(w)
	existing, err := p.List()
	if err != nil {
		return fmt.Errorf("list kind clusters: %w", err)
	}
	if slices.Contains(existing, name) {
		return fmt.Errorf("%w: %q (delete it with `kind delete cluster --name %s`, or choose another name)", errKindExists, name, name)
	}
	readyWait := kindReadyWait
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < readyWait {
		readyWait = max(time.Until(dl), time.Second)
	}
	// Retain: the nodes of a failed create stay, so that their logs (the
	// kubelet's, containerd's, kubeadm's) can be collected; Down removes
	// them, as it removes any cluster the state records.
	err = p.Create(name,
		cluster.CreateWithRetain(true),
		cluster.CreateWithV1Alpha4Config(cfg),
		cluster.CreateWithKubeconfigPath(kubeconfigPath),
		cluster.CreateWithWaitForReady(readyWait),
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false),
	)
	if err != nil {
		return fmt.Errorf("kind create cluster %s: %w", name, err)
	}
	return waitNodesReady(ctx, kubeconfigPath, len(cfg.Nodes), w)
}

// waitNodesReady waits until n nodes are registered and Ready.
func waitNodesReady(ctx context.Context, kubeconfigPath string, n int, w io.Writer) error {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfigPath)
	if err != nil {
		return fmt.Errorf("read the kubeconfig kind wrote: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	var last string
	return wait.Until(ctx, 2*time.Second, fmt.Sprintf("%d kind nodes to be Ready", n), func(ctx context.Context) (bool, string, error) {
		l, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, wait.Reason(err), nil
		}
		var ready, notReady []string
		for _, nd := range l.Items {
			if nodeReady(nd) {
				ready = append(ready, nd.Name)
			} else {
				notReady = append(notReady, nd.Name)
			}
		}
		sort.Strings(notReady)
		why := fmt.Sprintf("%d of %d nodes Ready", len(ready), n)
		if len(notReady) > 0 {
			why += "; not Ready: " + strings.Join(notReady, ", ")
		}
		if why != last {
			fmt.Fprintf(w, "  kind: %s\n", why)
			last = why
		}
		return len(ready) >= n && len(notReady) == 0, why, nil
	})
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// deleteKind deletes the kind cluster and its entry in kubeconfigPath.
// Deleting a cluster that does not exist is not an error (kind's own
// behaviour).
func deleteKind(name, kubeconfigPath string) error {
	if err := kindProvider(io.Discard).Delete(name, kubeconfigPath); err != nil {
		return fmt.Errorf("kind delete cluster %s: %w", name, err)
	}
	return nil
}

// collectKindLogs writes kind's node logs (journal, kubelet, containerd,
// pod logs under /var/log, docker inspect) into dir. A cluster that was
// never created (a setup that failed before it) has none: nothing to do.
func collectKindLogs(name, dir string) error {
	p := kindProvider(io.Discard)
	if have, err := p.List(); err == nil && !slices.Contains(have, name) {
		return nil
	}
	if err := p.CollectLogs(name, dir); err != nil {
		return fmt.Errorf("kind export logs %s: %w", name, err)
	}
	return nil
}

func kindProvider(w io.Writer) *cluster.Provider {
	return cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(&kindLogger{w: w}))
}

// kindLogger writes kind's user-facing messages (V(0), warnings, errors)
// to the progress writer, one line each.
type kindLogger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *kindLogger) line(prefix, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		if strings.TrimSpace(s) != "" {
			fmt.Fprintf(l.w, "  kind: %s%s\n", prefix, strings.TrimSpace(s))
		}
	}
}

func (l *kindLogger) Warn(m string)             { l.line("WARNING: ", m) }
func (l *kindLogger) Warnf(f string, a ...any)  { l.line("WARNING: ", fmt.Sprintf(f, a...)) }
func (l *kindLogger) Error(m string)            { l.line("ERROR: ", m) }
func (l *kindLogger) Errorf(f string, a ...any) { l.line("ERROR: ", fmt.Sprintf(f, a...)) }
func (l *kindLogger) V(v kindlog.Level) kindlog.InfoLogger {
	if v > 0 {
		return kindlog.NoopInfoLogger{}
	}
	return kindInfo{l}
}

type kindInfo struct{ l *kindLogger }

func (i kindInfo) Enabled() bool            { return true }
func (i kindInfo) Info(m string)            { i.l.line("", m) }
func (i kindInfo) Infof(f string, a ...any) { i.l.line("", fmt.Sprintf(f, a...)) }
