package kube_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/kube"
	"github.com/rmqkb/conformance/testenv"
)

// TestFlappingRoleLabelFailsRoles plants testenv's live plant
// flapping-role-label, which no dump can show: while layout/roles runs,
// the role label of rocketmq-cluster-broker-d4p-1 flips between master and
// slave after every read of the pods, so the labels never hold still. The
// case must fail saying so, and within about six settle times
// (settleRounds in scenarios/layout.go), long before its own timeout:
// flapping labels are an observed failure, not a hang.
//
// The flip follows the reads rather than a clock: a flipper on a timer
// aliases with the case's polling when the machine is loaded (two flips
// between two reads look like none), and the plant would then sometimes
// not be planted at all.
func TestFlappingRoleLabelFailsRoles(t *testing.T) {
	plant, err := testenv.LivePlantNamed("flapping-role-label")
	if err != nil {
		t.Fatal(err)
	}
	const settle = 300 * time.Millisecond
	ns := loadNamespace(t, "")
	f := &flipper{pods: kubernetes.NewForConfigOrDie(api.Config).CoreV1().Pods(ns), pod: "rocketmq-cluster-broker-d4p-1",
		list: "/api/v1/namespaces/" + ns + "/pods"}
	cfg := rest.CopyConfig(api.Config)
	cfg.Wrap(f.wrap)
	tgt, err := kube.New(context.Background(), cfg, ns, "rocketmq-cluster", kube.WithRoleSettle(settle), kube.WithDialTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	cases, err := scenarios.Select("^layout/roles$")
	if err != nil {
		t.Fatal(err)
	}

	// Within about six settle times from the first look, plus the reads
	// around them: a case the deadline cuts is errored, not failed as the
	// plant expects.
	ctx, cancel := context.WithTimeout(context.Background(), 6*settle+30*time.Second)
	defer cancel()
	start := time.Now()
	results := scenarios.Execute(ctx, tgt, cases)
	took := time.Since(start)
	flips, ferr := f.done()
	if ferr != nil {
		t.Fatalf("the plant did not run: %v", ferr)
	}
	testenv.ExpectLivePlant(t, plant, results)
	first, _, _ := strings.Cut(results[0].Observed, "\n")
	t.Logf("layout/roles %s after %s and %d flips: %s", results[0].Status, took.Round(time.Millisecond), flips, first)
}

// flipper flips a pod's role label, master then slave and so on, each
// time the target has listed the namespace's pods and before that list
// returns to it: no two reads of the case see the same labels, however
// slow the machine.
type flipper struct {
	pods typedcorev1.PodInterface // a client of its own, not wrapped
	pod  string
	list string // the URL path of the pod list

	mu    sync.Mutex
	flips int
	err   error
}

// wrap is the target's transport: the flip goes after each pod list.
func (f *flipper) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil || req.Method != http.MethodGet || req.URL.Path != f.list {
			return resp, err
		}
		resp = readWhole(resp)
		f.flip(req.Context())
		return resp, nil
	})
}

// readWhole reads resp's body whole, so that what the target gets was
// served before a plant changes the objects.
func readWhole(resp *http.Response) *http.Response {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
	return resp
}

// errReader ends a body with the error its read met, if any.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// flip patches the label to the next role; the first error stops it.
func (f *flipper) flip(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return
	}
	role := [2]string{"master", "slave"}[f.flips%2]
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, target.LabelRole, role)
	if _, err := f.pods.Patch(ctx, f.pod, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		f.err = fmt.Errorf("label pod %s %s=%s: %w", f.pod, target.LabelRole, role, err)
		return
	}
	f.flips++
}

// done returns how many flips were made and the error that stopped them.
func (f *flipper) done() (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil && f.flips < 2 {
		return f.flips, fmt.Errorf("pod %s was flipped %d times: the target never listed %s", f.pod, f.flips, f.list)
	}
	return f.flips, f.err
}

type roundTripper func(*http.Request) (*http.Response, error)

func (r roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return r(req) }
