package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rmqkb/conformance/target"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// CollectDiagnostics writes what a maintainer needs to see why a run did
// not pass: the Cluster's objects as `audit --from` reads them (Dump:
// Secrets redacted), the namespace's events, and every container's log
// (the current and, when there is one, the previous incarnation). Secret
// values that the logs or events quote (RocketMQ logs its ACL file) are
// redacted by the reports, which redact every diagnostics file alike.
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
	if err := t.Dump(ctx, dir); err != nil {
		errs = append(errs, fmt.Errorf("dump the objects: %w", err))
	}
	sel := metav1.ListOptions{LabelSelector: target.LabelInstance + "=" + t.cluster}
	core := t.cs.CoreV1()
	pods, err := core.Pods(t.ns).List(ctx, sel)
	if err != nil {
		errs = append(errs, err)
	}
	if evs, err := core.Events(t.ns).List(ctx, metav1.ListOptions{}); err == nil {
		evs.APIVersion, evs.Kind = "v1", "List"
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
