package kube_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// TestRestartAsksKubeBlocks: a restart is a Restart OpsRequest for the
// broker sharding by its name; with no controller to perform it, the
// record ends at the case's bound, not Succeed, naming every broker pod
// it was to restart and what the OpsRequest said.
func TestRestartAsksKubeBlocks(t *testing.T) {
	tgt, ns := newTarget(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	op, err := tgt.Restart(ctx, target.ComponentBroker)
	if err != nil {
		t.Fatal(err)
	}
	if op.Phase == target.OpSucceeded || len(op.Incarnations) != 0 {
		t.Errorf("with nothing performing it, the restart ended %q with %d incarnations", op.Phase, len(op.Incarnations))
	}
	if len(op.Pods) != 4 || !strings.Contains(op.Pods[0], "-broker-") {
		t.Errorf("the restart names pods %v, want the 4 broker pods", op.Pods)
	}
	if !strings.Contains(strings.Join(op.Evidence, "\n"), "OpsRequest rocketmq-cluster-restart-broker-") {
		t.Errorf("the evidence does not name the OpsRequest: %v", op.Evidence)
	}
	l, err := dynamic.NewForConfigOrDie(api.Config).Resource(kbapi.OpsRequest).Namespace(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(l.Items) != 1 {
		t.Fatalf("OpsRequests in %s: %v, %v; want the one", ns, l, err)
	}
	spec := l.Items[0].Object["spec"]
	typ, _, _ := unstructured.NestedString(l.Items[0].Object, "spec", "type")
	comps, _, _ := unstructured.NestedSlice(l.Items[0].Object, "spec", "restart")
	if typ != "Restart" || len(comps) != 1 || comps[0].(map[string]any)["componentName"] != "broker" {
		t.Errorf("OpsRequest spec %v, want a Restart of componentName broker", spec)
	}
	if _, err := tgt.Restart(ctx, "zookeeper"); err == nil {
		t.Error("a restart of a component the addon does not have was accepted")
	}
}

// TestReconfigureStopStartAskKubeBlocks: each is an OpsRequest of its
// KubeBlocks type; a stand-in controller says Succeed, and the record
// says what the operation left: a container restart during the
// Reconfiguring is an incarnation, the pods that remain after a Stop
// are named, and the stores are the Cluster's PVCs.
func TestReconfigureStopStartAskKubeBlocks(t *testing.T) {
	tgt, ns := newTarget(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dyn := dynamic.NewForConfigOrDie(api.Config)
	cs := kubernetes.NewForConfigOrDie(api.Config)
	pod := "rocketmq-cluster-broker-d4p-1"
	succeedOps(ctx, dyn, ns, "Reconfiguring", func() { bumpRestarts(ctx, t, cs, ns, pod) })
	op, err := tgt.Reconfigure(ctx, target.ComponentBroker, map[string]string{"maxMessageSize": "65536"})
	if err != nil {
		t.Fatal(err)
	}
	if op.Phase != target.OpSucceeded || len(op.Incarnations) != 1 || op.Incarnations[0].Pod != pod {
		t.Errorf("reconfigure: phase %q, incarnations %v; want Succeed and the restart of %s", op.Phase, op.Incarnations, pod)
	}
	o := onlyOps(ctx, t, dyn, ns, "Reconfiguring")
	params, _, _ := unstructured.NestedSlice(o.Object, "spec", "reconfigures")
	if fmt.Sprint(params) != "[map[componentName:broker parameters:[map[key:maxMessageSize value:65536]]]]" {
		t.Errorf("Reconfiguring spec %v, want maxMessageSize=65536 on broker", params)
	}
	succeedOps(ctx, dyn, ns, "Stop", nil)
	op, err = tgt.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing deletes the pods here: a Stop that left them is said.
	if op.Phase != target.OpSucceeded || len(op.Remaining) != len(op.Pods) || len(op.Remaining) < 6 {
		t.Errorf("stop: phase %q, %d pods before, remaining %v; want Succeed and every pod of the cluster named", op.Phase, len(op.Pods), op.Remaining)
	}
	onlyOps(ctx, t, dyn, ns, "Stop")
	// The Cluster never says Stopped here: a Start is not asked of it,
	// and the record says why within the bound.
	sctx, scancel := context.WithTimeout(ctx, 2*time.Second)
	defer scancel()
	op, err = tgt.Start(sctx)
	if err != nil || op.Phase != "" || !strings.Contains(strings.Join(op.Evidence, " "), `was not Stopped to take the Start OpsRequest`) {
		t.Errorf("start of a Cluster not Stopped: %v, phase %q, evidence %v; want it not asked, saying why", err, op.Phase, op.Evidence)
	}
	if _, err := tgt.Reconfigure(ctx, target.ComponentNamesrv, map[string]string{"x": "y"}); err == nil {
		t.Error("a reconfiguring of the namesrvs, which have no parameters, was accepted")
	}
}

// succeedOps stands in for KubeBlocks: it marks the first OpsRequest of
// type typ in ns Succeed, after calling during (when not nil).
func succeedOps(ctx context.Context, dyn dynamic.Interface, ns, typ string, during func()) {
	go func() {
		wait.Until(ctx, 100*time.Millisecond, "an OpsRequest of type "+typ, func(ctx context.Context) (bool, string, error) {
			l, err := dyn.Resource(kbapi.OpsRequest).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err.Error(), nil
			}
			for _, o := range l.Items {
				if got, _, _ := unstructured.NestedString(o.Object, "spec", "type"); got != typ {
					continue
				}
				if during != nil {
					during()
				}
				unstructured.SetNestedField(o.Object, target.OpSucceeded, "status", "phase")
				_, err := dyn.Resource(kbapi.OpsRequest).Namespace(ns).UpdateStatus(ctx, &o, metav1.UpdateOptions{})
				return err == nil, fmt.Sprint(err), nil
			}
			return false, "none yet", nil
		})
	}()
}

// bumpRestarts records one more restart of pod's first container.
func bumpRestarts(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, pod string) {
	p, err := cs.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil || len(p.Status.ContainerStatuses) == 0 {
		t.Errorf("get %s with its containers: %v", pod, err)
		return
	}
	p.Status.ContainerStatuses[0].RestartCount++
	if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Errorf("restart %s: %v", pod, err)
	}
}

// onlyOps returns the one OpsRequest of type typ in ns.
func onlyOps(ctx context.Context, t *testing.T, dyn dynamic.Interface, ns, typ string) unstructured.Unstructured {
	t.Helper()
	l, err := dyn.Resource(kbapi.OpsRequest).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []unstructured.Unstructured
	for _, o := range l.Items {
		if got, _, _ := unstructured.NestedString(o.Object, "spec", "type"); got == typ {
			out = append(out, o)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d OpsRequests of type %s in %s, want 1", len(out), typ, ns)
	}
	return out[0]
}
