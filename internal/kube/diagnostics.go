package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/scenarios"
)

// CollectDiagnostics writes what a maintainer needs to see why a run did
// not pass: the YAML of the Cluster, its Components, InstanceSets, Pods and
// Services, the namespace's events, and every container's log (the current
// and, when there is one, the previous incarnation). Secrets are never
// written; secret values that the logs or events quote (RocketMQ logs its
// ACL file) are redacted by the reports, which redact every diagnostics
// file alike.
func (t *Target) CollectDiagnostics(ctx context.Context, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return err
	}
	var errs []error
	save := func(name string, v any) {
		data, err := yaml.Marshal(v)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	sel := metav1.ListOptions{LabelSelector: scenarios.LabelInstance + "=" + t.cluster}
	if cl, err := t.dyn.Resource(kbapi.Cluster).Namespace(t.ns).Get(ctx, t.cluster, metav1.GetOptions{}); err == nil {
		save("cluster.yaml", cl.Object)
	} else {
		errs = append(errs, err)
	}
	for name, gvr := range map[string]schema.GroupVersionResource{"components.yaml": kbapi.Component, "instancesets.yaml": kbapi.InstanceSet} {
		if l, err := t.dyn.Resource(gvr).Namespace(t.ns).List(ctx, sel); err == nil {
			save(name, l.UnstructuredContent())
		} else {
			errs = append(errs, err)
		}
	}
	core := t.cs.CoreV1()
	pods, err := core.Pods(t.ns).List(ctx, sel)
	if err == nil {
		save("pods.yaml", pods)
	} else {
		errs = append(errs, err)
	}
	// Headless Services carry no instance label (KubeBlocks 1.0.2), so all.
	if svcs, err := core.Services(t.ns).List(ctx, metav1.ListOptions{}); err == nil {
		save("services.yaml", svcs)
	} else {
		errs = append(errs, err)
	}
	if evs, err := core.Events(t.ns).List(ctx, metav1.ListOptions{}); err == nil {
		save("events.yaml", evs)
	} else {
		errs = append(errs, err)
	}
	if pods != nil {
		for _, p := range pods.Items {
			for _, c := range p.Spec.Containers {
				for _, previous := range []bool{false, true} {
					data, err := core.Pods(t.ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name, Previous: previous}).DoRaw(ctx)
					if err != nil {
						continue // no previous incarnation, or the kubelet is gone
					}
					name := p.Name + "_" + c.Name + ".log"
					if previous {
						name = p.Name + "_" + c.Name + ".previous.log"
					}
					if err := os.WriteFile(filepath.Join(dir, "logs", name), data, 0o644); err != nil {
						errs = append(errs, err)
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}
