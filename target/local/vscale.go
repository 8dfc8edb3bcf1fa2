package local

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/rmqkb/conformance/target"
)

// VerticalScale implements target.Operator as KubeBlocks 1.0.2 applies new
// resources to the brokers: the pod template changes, and the InstanceSets
// roll every pod in the order of a restart (Restart). Here only the memory
// limit means anything: the addon's setup script sizes the JVM from it
// (Heap), so each broker is restarted, in that order, with the heap the
// new limit gives.
func (c *Cluster) VerticalScale(ctx context.Context, component string, r target.Resources) (target.Operation, error) {
	op := target.Operation{Name: "vertical scaling of the " + component + " (local)", Component: component}
	if component != target.ComponentBroker {
		return op, fmt.Errorf("vertical scaling: component %q: the local target scales %s only", component, target.ComponentBroker)
	}
	if r.MemoryLimit == "" {
		return op, fmt.Errorf("vertical scaling: no memory limit given: it is what sizes the brokers' JVMs")
	}
	q, err := resource.ParseQuantity(r.MemoryLimit)
	if err != nil {
		return op, fmt.Errorf("vertical scaling: memory limit %q: %w", r.MemoryLimit, err)
	}
	for _, b := range c.brokers() {
		b.proc.setArgv(withHeap(b.proc.args(), Heap(q.Value())))
		b.proc.setLimit(r.MemoryLimit)
	}
	op, err = c.Restart(ctx, component)
	op.Name = "vertical scaling of the " + component + " to a " + r.MemoryLimit + " memory limit (local, in KubeBlocks' order)"
	return op, err
}

// withHeap is argv with its -Xms and -Xmx set to heapMiB.
func withHeap(argv []string, heapMiB int64) []string {
	out := slices.Clone(argv)
	h := strconv.FormatInt(heapMiB, 10) + "m"
	for i, a := range out {
		switch {
		case strings.HasPrefix(a, "-Xms"):
			out[i] = "-Xms" + h
		case strings.HasPrefix(a, "-Xmx"):
			out[i] = "-Xmx" + h
		}
	}
	return out
}

// Inspect implements target.Operator: the memory limit the process was
// started for, and the heap flags read from its running command line
// (/proc/PID/cmdline).
func (c *Cluster) Inspect(_ context.Context, pod string) (target.PodRun, error) {
	var p *process
	for _, q := range append(c.namesrvProcs(), c.brokerProcs()...) {
		if q.name == pod {
			p = q
		}
	}
	if p == nil {
		return target.PodRun{}, fmt.Errorf("inspect: no pod %q in this topology", pod)
	}
	pid := p.pid()
	if pid == 0 {
		return target.PodRun{}, fmt.Errorf("inspect %s: not running", pod)
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return target.PodRun{}, fmt.Errorf("inspect %s: %w", pod, err)
	}
	return target.PodRun{MemoryLimit: p.memLimit(), Resources: target.Resources{MemoryLimit: p.memLimit()}, JVMFlags: target.HeapFlags(strings.Split(string(raw), "\x00"))}, nil
}
