package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/target"
)

// topologySettle bounds how long layout/topology waits for a live Cluster
// that is still carrying out a change before it judges the layout. The
// suites before it change the Cluster: after a shard or namesrv scaling
// KubeBlocks recreates the exporter and the dashboard (seen on kind: both
// Updating for about a minute after the scale-in's OpsRequest Succeeded,
// a 30 s grace period, then a JVM's start and readiness probe). It is a
// pod recreation's allowance on kube.
const topologySettle = 150 * time.Second

// settleBound is how long layout/topology may wait: topologySettle, but
// never longer than the session's startup allowance, since a Cluster that
// changes for longer than it was given to come up is not settling. A dump
// (startup 0) is judged as it is.
func settleBound(startup time.Duration) time.Duration { return min(startup, topologySettle) }

// unsettled says what of cluster's objects in s is still changing: the
// Cluster or a Component not Running, a pod terminating, not Running or
// not Ready. It is "" for a settled Cluster, and for none at all: a
// missing Cluster is not coming, and the case says it is missing.
func unsettled(s *target.Snapshot, cluster string) string {
	if s.Cluster == nil {
		return ""
	}
	var why []string
	if p := phase(s.Cluster); p != "Running" {
		why = append(why, fmt.Sprintf("Cluster %s", or(p, "(no phase)")))
	}
	for i := range s.Components {
		c := &s.Components[i]
		if c.GetLabels()[target.LabelInstance] == cluster && phase(c) != "Running" {
			why = append(why, fmt.Sprintf("Component %s %s", c.GetName(), or(phase(c), "(no phase)")))
		}
	}
	for i := range s.Pods {
		p := &s.Pods[i]
		switch {
		case p.Labels[target.LabelInstance] != cluster:
		case p.DeletionTimestamp != nil:
			why = append(why, "pod "+p.Name+" terminating")
		case !podReady(p):
			why = append(why, fmt.Sprintf("pod %s %s, not Ready", p.Name, p.Status.Phase))
		}
	}
	return strings.Join(why, "; ")
}

// awaitSettled reads src until a snapshot shows cluster settled, or bound
// passed, and returns the last snapshot read and what was still changing
// in it ("" when settled). A src that cannot change (Settle 0) is read
// once. A failed read is tried again until the bound; only when no read
// succeeded is its error returned.
func awaitSettled(ctx context.Context, src target.ObjectSource, cluster string, bound time.Duration, every time.Duration) (*target.Snapshot, string, error) {
	var last *target.Snapshot
	var why string
	var readErr error
	read := func(ctx context.Context) (bool, string, error) {
		s, err := src.Snapshot(ctx)
		if err != nil {
			readErr = err
			return false, wait.Reason(err), nil
		}
		last, why = s, unsettled(s, cluster)
		return why == "", why, nil
	}
	if src.Settle() == 0 || bound <= 0 {
		read(ctx)
	} else {
		wctx, cancel := context.WithTimeout(ctx, bound)
		defer cancel()
		_ = wait.Until(wctx, every, "the Cluster to settle", read) // the bound passing is judged from the last snapshot
	}
	switch {
	case ctx.Err() != nil:
		return last, why, ctx.Err()
	case last == nil:
		return nil, "", readErr
	}
	return last, why, nil
}

// settledSnapshot is the Cluster's objects as layout/topology judges
// them: read once (snapshotOf) and, when the Cluster is still changing on
// a live API server, read again until it settled or settleBound passed.
// The string is what the clauses' evidence adds when it did not settle:
// how long it waited.
func settledSnapshot(ctx context.Context, t *T, cluster string) (*target.Snapshot, string) {
	s := snapshotOf(ctx, t)
	src := t.Target.Abilities().Objects
	why, bound := unsettled(s, cluster), settleBound(t.session.startup)
	if why == "" || src.Settle() == 0 || bound == 0 {
		return s, ""
	}
	t.Logf("the Cluster is still changing (%s): waiting up to %s for it to settle", why, bound)
	start := time.Now()
	s, why, err := awaitSettled(ctx, src, cluster, bound, 2*time.Second)
	if err != nil {
		t.Erroredf("read the cluster's objects: %v", err)
	}
	if s.Cluster == nil {
		t.Erroredf("not judged: Cluster %s went while the case waited for it to settle", cluster)
	}
	if why != "" {
		return s, fmt.Sprintf(" after waiting %s for it to settle", bound)
	}
	t.Figure("settled_after", float64(time.Since(start).Milliseconds()), "ms")
	return s, ""
}
