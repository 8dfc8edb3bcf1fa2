package scenarios

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rmqkb/conformance/target"
)

// changingObjects serves the snapshots in turn, the last one for good,
// and errs before the first when err is set.
type changingObjects struct {
	snaps  []*target.Snapshot
	err    error
	settle time.Duration
	reads  int
}

func (c *changingObjects) Snapshot(context.Context) (*target.Snapshot, error) {
	c.reads++
	n := c.reads
	if c.err != nil {
		if n == 1 {
			return nil, c.err
		}
		n--
	}
	return c.snaps[min(n, len(c.snaps))-1], nil
}

func (c *changingObjects) Settle() time.Duration { return c.settle }

// objectsIn builds a snapshot of Cluster "c" in phase cluster, its
// exporter Component in phase exporter, and its exporter pod, Ready or
// not, terminating or not.
func objectsIn(cluster, exporter string, ready, terminating bool) *target.Snapshot {
	obj := func(name, phase string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"phase": phase}}}
		u.SetName(name)
		u.SetLabels(map[string]string{target.LabelInstance: "c"})
		return u
	}
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "c-exporter-0", Labels: map[string]string{target.LabelInstance: "c"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if ready {
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	if terminating {
		pod.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	}
	return &target.Snapshot{Source: "test", Cluster: obj("c", cluster), Components: []unstructured.Unstructured{*obj("c-exporter", exporter)}, Pods: []corev1.Pod{pod}}
}

// The wait judges a Cluster once it settled, names what still changes
// when the bound passes, and reads a dump once.
func TestAwaitSettled(t *testing.T) {
	settled := objectsIn("Running", "Running", true, false)
	for _, tc := range []struct {
		name      string
		src       *changingObjects
		bound     time.Duration
		wantWhy   string // "" for settled
		wantReads int    // 0: any number
	}{
		{"settled at once", &changingObjects{snaps: []*target.Snapshot{settled}, settle: time.Second}, time.Minute, "", 1},
		{"settles while waited for", &changingObjects{snaps: []*target.Snapshot{
			objectsIn("Updating", "Updating", true, true),
			objectsIn("Updating", "Updating", false, false),
			settled,
		}, settle: time.Second}, time.Minute, "", 3},
		{"a read fails first", &changingObjects{snaps: []*target.Snapshot{settled}, err: errors.New("connection refused"), settle: time.Second}, time.Minute, "", 2},
		{"never settles", &changingObjects{snaps: []*target.Snapshot{objectsIn("Updating", "Updating", true, true)}, settle: time.Second}, 50 * time.Millisecond,
			"Cluster Updating; Component c-exporter Updating; pod c-exporter-0 terminating", 0},
		{"a pod not Ready", &changingObjects{snaps: []*target.Snapshot{objectsIn("Running", "Running", false, false)}, settle: time.Second}, 50 * time.Millisecond,
			"pod c-exporter-0 Running, not Ready", 0},
		{"no Cluster: nothing to wait for", &changingObjects{snaps: []*target.Snapshot{{Source: "test"}}, settle: time.Second}, time.Minute, "", 1},
		{"a dump is read once", &changingObjects{snaps: []*target.Snapshot{objectsIn("Updating", "Running", true, false), settled}}, time.Minute, "Cluster Updating", 1},
		{"no bound: read once", &changingObjects{snaps: []*target.Snapshot{objectsIn("Updating", "Running", true, false), settled}, settle: time.Second}, 0, "Cluster Updating", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, why, err := awaitSettled(context.Background(), tc.src, "c", tc.bound, time.Millisecond)
			if err != nil || s == nil {
				t.Fatalf("snapshot %v, error %v", s, err)
			}
			if why != tc.wantWhy {
				t.Errorf("still changing: %q, want %q", why, tc.wantWhy)
			}
			if tc.wantReads > 0 && tc.src.reads != tc.wantReads {
				t.Errorf("%d reads, want %d", tc.src.reads, tc.wantReads)
			}
		})
	}
}

// A source that never answers ends the wait with its error, and an
// interrupted wait says so.
func TestAwaitSettledErrors(t *testing.T) {
	failing := &failingObjects{err: errors.New("connection refused")}
	if _, _, err := awaitSettled(context.Background(), failing, "c", 20*time.Millisecond, time.Millisecond); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %v, want the read's", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unsettledSrc := &changingObjects{snaps: []*target.Snapshot{objectsIn("Updating", "Running", true, false)}, settle: time.Second}
	if _, _, err := awaitSettled(ctx, unsettledSrc, "c", time.Minute, time.Millisecond); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want the interruption", err)
	}
}

// failingObjects never answers.
type failingObjects struct{ err error }

func (f *failingObjects) Snapshot(context.Context) (*target.Snapshot, error) { return nil, f.err }
func (f *failingObjects) Settle() time.Duration                              { return time.Second }

// The wait is never longer than the startup allowance, and none for a dump.
func TestSettleBound(t *testing.T) {
	for _, tc := range []struct{ startup, want time.Duration }{
		{10 * time.Minute, topologySettle}, {2 * time.Second, 2 * time.Second}, {0, 0},
	} {
		if got := settleBound(tc.startup); got != tc.want {
			t.Errorf("startup %s: bound %s, want %s", tc.startup, got, tc.want)
		}
	}
}
