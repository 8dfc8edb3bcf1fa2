package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rmqkb/conformance/target"
)

// NotBack is a pod the platform did not bring back within
// RecreationAllowance after a kill: the platform's fault, told with what
// a maintainer needs to see why.
type NotBack struct {
	Pod      string
	Within   time.Duration
	Err      error    // what the wait was waiting for when the bound passed
	Evidence []string // the pod as it stands, its events, the role probe's answer
}

func (e *NotBack) Error() string {
	return fmt.Sprintf("pod %s not back within %s: %v; %s", e.Pod, e.Within, e.Err, strings.Join(e.Evidence, "; "))
}

func (e *NotBack) Unwrap() error { return e.Err }

// notBack turns err, from a wait for pod under bounded (bounded by
// RecreationAllowance within ctx), into a *NotBack with the evidence when
// it was the bound that passed. An interrupted or timed-out case, or an
// error of another kind, is returned as it is.
func (t *Target) notBack(ctx, bounded context.Context, err error, pod string, broker bool) error {
	if err == nil || ctx.Err() != nil || !errors.Is(bounded.Err(), context.DeadlineExceeded) {
		return err
	}
	ectx, cancel := context.WithTimeout(ctx, 2*probeWait)
	defer cancel()
	return &NotBack{Pod: pod, Within: t.backWithin, Err: err, Evidence: t.podEvidence(ectx, pod, broker)}
}

// podEvidence is how pod stands: DescribePod, its last events and, for a
// broker without a role label, what the role probe prints.
func (t *Target) podEvidence(ctx context.Context, pod string, broker bool) []string {
	p, err := t.cs.CoreV1().Pods(t.ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return []string{fmt.Sprintf("pod %s: %v", pod, err)}
	}
	out := []string{target.DescribePod(p)}
	if evs, err := t.cs.CoreV1().Events(t.ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range target.RecentEvents(evs.Items, 5, pod) {
			out = append(out, "event "+e)
		}
	}
	if broker && p.Labels[target.LabelRole] == "" {
		got, err := t.ProbeRole(ctx, pod)
		if err != nil {
			out = append(out, fmt.Sprintf("the role probe could not run: %v", err))
		} else {
			out = append(out, fmt.Sprintf("the role probe prints %q", got))
		}
	}
	return out
}
