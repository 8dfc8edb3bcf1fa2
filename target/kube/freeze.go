package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// noExecConfig is why a target built without an API server configuration
// cannot freeze: freezing is an exec into the pod.
const noExecConfig = "no API server configuration to exec with"

// brokerMain is what the broker JVM's command line holds.
const brokerMain = "org.apache.rocketmq.broker.BrokerStartup"

// exit codes of signalScript.
const (
	exitNoProcess = 3
	exitIsInit    = 4
)

// signalScript sends sig to every process in the container whose command
// line holds pattern.
//
// Why a signal from an exec: a frozen broker must keep its connections
// open, which only stopping the process does, and Kubernetes offers no
// freezer. On kind, the container runtime's own freezer (cgroup freeze,
// `docker pause`) is reachable only from the node, and pausing the node
// would freeze every pod on it. The addon's broker image starts the JVM
// from its setup script as a child (runbroker.sh does not exec it), so it
// is not the container's PID 1, and a SIGSTOP sent from inside the
// container reaches it; the kernel would ignore it for PID 1, and the
// script says so instead of pretending.
func signalScript(sig, pattern string) string {
	return fmt.Sprintf(`found=
for d in /proc/[0-9]*; do
  pid=${d#/proc/}
  [ "$pid" = "$$" ] && continue
  if tr '\000' ' ' < "$d/cmdline" 2>/dev/null | grep -q -- '%[2]s'; then
    if [ "$pid" = 1 ]; then echo "the broker JVM is PID 1 of its container: a signal from inside the container cannot stop it" >&2; exit %[4]d; fi
    kill -%[1]s "$pid" && found=1
  fi
done
[ -n "$found" ] || { echo "no process running %[2]s in the container" >&2; exit %[3]d; }`, sig, pattern, exitNoProcess, exitIsInit)
}

// FreezeBroker implements target.Freezer: SIGSTOP to the broker's JVM,
// sent through the pod's exec subresource.
func (t *Target) FreezeBroker(ctx context.Context, b target.Broker) error {
	return t.signalBroker(ctx, b.Pod, "STOP")
}

// ThawBroker implements target.Freezer: SIGCONT.
func (t *Target) ThawBroker(ctx context.Context, b target.Broker) error {
	return t.signalBroker(ctx, b.Pod, "CONT")
}

func (t *Target) signalBroker(ctx context.Context, pod, sig string) error {
	if t.cfg == nil {
		return target.Cannotf(verdict.Freezing, noExecConfig)
	}
	_, stderr, err := t.exec(ctx, pod, "rocketmq-broker", "sh", "-c", signalScript(sig, brokerMain))
	return signalError(pod, sig, err, stderr)
}

// exec runs cmd in a container of pod through the exec subresource and
// returns what it printed.
func (t *Target) exec(ctx context.Context, pod, container string, cmd ...string) (string, string, error) {
	req := t.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(t.ns).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: cmd, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewSPDYExecutor(t.cfg, "POST", req.URL())
	if err != nil {
		return "", "", fmt.Errorf("exec into %s: %w", pod, err)
	}
	var stdout, stderr bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	return strings.TrimSpace(stdout.String()), strings.TrimSpace(stderr.String()), err
}

// signalError turns an exec's outcome into nil, a *target.Cannot (the
// platform does not allow it) or an error naming the step.
func signalError(pod, sig string, err error, stderr string) error {
	if err == nil {
		return nil
	}
	var code utilexec.CodeExitError
	switch {
	case apierrors.IsForbidden(err):
		return target.Cannotf(verdict.Freezing, "exec into pod %s is forbidden to this user (pods/exec): %v", pod, err)
	case errors.As(err, &code) && code.Code == exitIsInit:
		return target.Cannotf(verdict.Freezing, "pod %s: %s", pod, stderr)
	case errors.As(err, &code):
		return fmt.Errorf("send SIG%s to the broker of pod %s: %s (exit %d)", sig, pod, stderr, code.Code)
	}
	return fmt.Errorf("send SIG%s to the broker of pod %s through exec: %w", sig, pod, err)
}
