package kube

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rmqkb/conformance/target"
)

// VerticalScale implements target.Operator: a VerticalScaling OpsRequest
// setting the resources given on component (the broker sharding: every
// shard), watched like a restart. KubeBlocks 1.0.2 replaces the
// component's resources with the ones the OpsRequest lists (seen on
// kind: given only a memory limit, the CPU limit and every request were
// dropped), so a caller gives all it wants kept.
func (t *Target) VerticalScale(ctx context.Context, component string, r target.Resources) (target.Operation, error) {
	if component != target.ComponentBroker && component != target.ComponentNamesrv {
		return target.Operation{Component: component}, fmt.Errorf("vertical scaling: no component %q: expected %s or %s", component, target.ComponentBroker, target.ComponentNamesrv)
	}
	scale := map[string]any{"componentName": component}
	set := func(key, cpu, memory string) {
		m := map[string]any{}
		if cpu != "" {
			m["cpu"] = cpu
		}
		if memory != "" {
			m["memory"] = memory
		}
		if len(m) > 0 {
			scale[key] = m
		}
	}
	set("limits", r.CPULimit, r.MemoryLimit)
	set("requests", r.CPURequest, r.MemoryRequest)
	return t.operate(ctx, component, "VerticalScaling", map[string]any{"verticalScaling": []any{scale}})
}

// quantity is l[name] as written, or "" when unset.
func quantity(l corev1.ResourceList, name corev1.ResourceName) string {
	if q, ok := l[name]; ok {
		return q.String()
	}
	return ""
}

// Inspect implements target.Operator: the main container's memory limit
// from the pod, and the heap flags of the JVM running in it, read from
// every process's command line through exec (the addon's setup script
// computes them from the cgroup limit at start).
func (t *Target) Inspect(ctx context.Context, pod string) (target.PodRun, error) {
	p, err := t.cs.CoreV1().Pods(t.ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return target.PodRun{}, fmt.Errorf("inspect %s: %w", pod, err)
	}
	container, main := "rocketmq-broker", "org.apache.rocketmq.broker.BrokerStartup"
	if strings.Contains(pod, "-namesrv-") {
		container, main = "rocketmq-namesrv", "org.apache.rocketmq.namesrv.NamesrvStartup"
	}
	var run target.PodRun
	for _, c := range p.Spec.Containers {
		if c.Name == container {
			run.MemoryLimit = c.Resources.Limits.Memory().String()
			run.Resources = target.Resources{
				CPULimit: quantity(c.Resources.Limits, corev1.ResourceCPU), MemoryLimit: quantity(c.Resources.Limits, corev1.ResourceMemory),
				CPURequest: quantity(c.Resources.Requests, corev1.ResourceCPU), MemoryRequest: quantity(c.Resources.Requests, corev1.ResourceMemory),
			}
		}
	}
	stdout, stderr, err := t.exec(ctx, pod, container, "sh", "-c", `for p in /proc/[0-9]*; do tr '\0' '\n' < "$p/cmdline" 2>/dev/null; echo; done`)
	if err != nil {
		return run, fmt.Errorf("inspect %s: read the command lines in %s: %w (%s)", pod, container, err, strings.TrimSpace(stderr))
	}
	flags, ok := serverJVM(stdout, main)
	if ok {
		run.JVMFlags = flags
		return run, nil
	}
	return run, fmt.Errorf("inspect %s: no process in %s runs %s", pod, container, main)
}

// serverJVM picks the heap flags of the server's JVM out of every
// process's command line (one process per block, its arguments one per
// line): the java process naming main (the addon's scripts that start it
// name the class too; an mqadmin the reloader runs meanwhile is another
// JVM).
func serverJVM(cmdlines, main string) ([]string, bool) {
	for _, block := range strings.Split(cmdlines, "\n\n") {
		args := strings.Split(strings.TrimLeft(block, "\n"), "\n")
		if path.Base(args[0]) == "java" && slices.Contains(args, main) {
			return target.HeapFlags(args), true
		}
	}
	return nil, false
}
