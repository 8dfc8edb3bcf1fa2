package kube_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/internal/kube"
	"github.com/rmqkb/conformance/target"
)

// TestRestartAsksKubeBlocks: a restart is a Restart OpsRequest for the
// broker sharding by its name; with no controller to perform it, the
// record ends at the case's bound, not Succeed, naming every broker pod
// it was to restart and what the OpsRequest said.
func TestRestartAsksKubeBlocks(t *testing.T) {
	ns := loadNamespace(t, "")
	tgt, err := kube.New(context.Background(), api.Config, ns, "rocketmq-cluster", kube.WithDialTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
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
