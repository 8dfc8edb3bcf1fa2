package kube_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/rmqkb/conformance/target"
)

// TestScaleShardsAsksKubeBlocks: a shard scaling is a HorizontalScaling
// of the broker sharding to an absolute shard count (the Cluster's plus
// one); the record lists the shard components after.
func TestScaleShardsAsksKubeBlocks(t *testing.T) {
	tgt, ns := newTarget(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dyn := dynamic.NewForConfigOrDie(api.Config)
	succeedOps(ctx, dyn, ns, "HorizontalScaling", nil)
	op, err := tgt.ScaleShards(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if op.Phase != target.OpSucceeded || strings.Join(op.Shards, ",") != "broker-d4p,broker-x7k" {
		t.Errorf("phase %q, shards %v; want Succeed and the two shard components", op.Phase, op.Shards)
	}
	o := onlyOps(ctx, t, dyn, ns, "HorizontalScaling")
	scale, _, _ := unstructured.NestedSlice(o.Object, "spec", "horizontalScaling")
	if fmt.Sprint(scale) != "[map[componentName:broker shards:3]]" {
		t.Errorf("HorizontalScaling spec %v, want shards 3 of broker", scale)
	}
	if _, err := tgt.ScaleShards(ctx, 0); err == nil {
		t.Error("a shard scaling by 0 was accepted")
	}
}

// TestExpandVolumesNamesTheStorageClass: on a StorageClass without
// allowVolumeExpansion the expansion is not asked (a *Cannot naming the
// class and the PVCs); on one that allows it, it is a VolumeExpansion of
// the brokers' volume claim template to the largest request plus the
// growth, and the record has every PVC's capacity and the same stores
// before and after.
func TestExpandVolumesNamesTheStorageClass(t *testing.T) {
	tgt, ns := newTarget(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(api.Config)
	sc := storageClass(ctx, t, cs, false)
	_, err := tgt.ExpandVolumes(ctx, target.ComponentBroker, "1Gi")
	var cannot *target.Cannot
	if !errors.As(err, &cannot) || !strings.Contains(cannot.Why, "StorageClass standard (provisioner rancher.io/local-path) does not allow volume expansion (PVCs data-rocketmq-cluster-broker-d4p-0,") {
		t.Fatalf("expansion on a class that does not allow it: %v; want a *Cannot naming the class and the PVCs", err)
	}
	allow := true
	sc.AllowVolumeExpansion = &allow
	if _, err := cs.StorageV1().StorageClasses().Update(ctx, sc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(api.Config)
	succeedOps(ctx, dyn, ns, "VolumeExpansion", nil)
	op, err := tgt.ExpandVolumes(ctx, target.ComponentBroker, "1Gi")
	if err != nil {
		t.Fatal(err)
	}
	if op.Phase != target.OpSucceeded || op.Requested != "21Gi" || len(op.Capacities) != 4 || op.Capacities["data-rocketmq-cluster-broker-d4p-0"] != "20Gi" {
		t.Errorf("phase %q, requested %q, capacities %v; want Succeed, 21Gi, the 4 PVCs at 20Gi (nothing grew them here)", op.Phase, op.Requested, op.Capacities)
	}
	if len(op.StoresBefore) == 0 || fmt.Sprint(op.StoresBefore) != fmt.Sprint(op.Stores) {
		t.Errorf("stores before %v, after %v; want the same PVCs", op.StoresBefore, op.Stores)
	}
	o := onlyOps(ctx, t, dyn, ns, "VolumeExpansion")
	spec, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeExpansion")
	if fmt.Sprint(spec) != "[map[componentName:broker volumeClaimTemplates:[map[name:data storage:21Gi]]]]" {
		t.Errorf("VolumeExpansion spec %v, want data to 21Gi on broker", spec)
	}
}

// storageClass makes the fixtures' StorageClass, standard, with
// allowVolumeExpansion as given, and removes it when the test ends.
func storageClass(ctx context.Context, t *testing.T, cs kubernetes.Interface, expand bool) *storagev1.StorageClass {
	t.Helper()
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Provisioner: "rancher.io/local-path", AllowVolumeExpansion: &expand}
	got, err := cs.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.StorageV1().StorageClasses().Delete(context.Background(), "standard", metav1.DeleteOptions{})
	})
	return got
}
