package kube

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rmqkb/conformance/internal/kbapi"
	"github.com/rmqkb/conformance/target"
)

// probeWait bounds one run of the role probe: KubeBlocks gives it 3 s
// (the addon's roleProbe timeoutSeconds); the exec's own round trips
// come on top.
const probeWait = 10 * time.Second

// ProbeRole implements target.RoleProbe: it runs the role probe the
// pod's ComponentDefinition declares (lifecycleActions.roleProbe.exec, as
// KubeBlocks' agent runs it) in the container it names, and returns what
// the probe printed, or why it could not be run.
func (t *Target) ProbeRole(ctx context.Context, pod string) (string, error) {
	if t.cfg == nil {
		return "", fmt.Errorf("%s", noExecConfig)
	}
	container, cmd, err := t.roleProbe(ctx, pod)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, probeWait)
	defer cancel()
	stdout, stderr, err := t.exec(ctx, pod, container, cmd...)
	if err != nil {
		return stdout, fmt.Errorf("%v: %s (stderr %q)", cmd, err, stderr)
	}
	return stdout, nil
}

// roleProbe reads the role probe's container and command from the
// ComponentDefinition of pod's Component.
func (t *Target) roleProbe(ctx context.Context, pod string) (string, []string, error) {
	p, err := t.cs.CoreV1().Pods(t.ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return "", nil, err
	}
	comp := t.cluster + "-" + p.Labels[target.LabelComponent]
	c, err := t.dyn.Resource(kbapi.Component).Namespace(t.ns).Get(ctx, comp, metav1.GetOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("the Component of pod %s: %w", pod, err)
	}
	def, _, _ := unstructured.NestedString(c.Object, "spec", "compDef")
	cd, err := t.dyn.Resource(kbapi.ComponentDefinition).Get(ctx, def, metav1.GetOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("ComponentDefinition %q of Component %s: %w", def, comp, err)
	}
	cmd, _, _ := unstructured.NestedStringSlice(cd.Object, "spec", "lifecycleActions", "roleProbe", "exec", "command")
	container, _, _ := unstructured.NestedString(cd.Object, "spec", "lifecycleActions", "roleProbe", "exec", "container")
	if len(cmd) == 0 {
		return "", nil, fmt.Errorf("ComponentDefinition %s declares no roleProbe exec command", def)
	}
	return container, cmd, nil
}
