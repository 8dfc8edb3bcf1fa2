package local

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rmqkb/conformance/target"
)

// Restart implements target.Operator as KubeBlocks 1.0.2 restarts the
// addon's components (read from its InstanceSet controller and the
// addon's ComponentDefinitions): every shard at once; within a shard one
// pod at a time, the slaves before the master (the roles' updatePriority:
// slave 1, master 2), each stopped as a pod deletion stops the addon's
// containers (the JVM serves through the grace period, then is killed),
// and Ready again (here: registered in every namesrv) and available
// (minReadySeconds) before the next; the namesrvs one at a time from the
// highest ordinal down.
//
// A pod that does not come back leaves the operation unfinished: the
// record says so (Phase "Running") and how far it got; only a component
// it does not know is an error.
func (c *Cluster) Restart(ctx context.Context, component string) (target.Operation, error) {
	op := target.Operation{Name: "restart of the " + component + " (local, in KubeBlocks' order)", Component: component, Start: time.Now()}
	var groups [][]restartStep
	switch component {
	case target.ComponentBroker:
		shards, err := c.Shards(ctx)
		if err != nil {
			return op, err
		}
		for _, s := range shards {
			groups = append(groups, c.brokerSteps(s))
		}
	case target.ComponentNamesrv:
		groups = [][]restartStep{c.namesrvSteps()}
	default:
		return op, fmt.Errorf("restart: no component %q: expected %s or %s", component, target.ComponentBroker, target.ComponentNamesrv)
	}
	for _, g := range groups {
		for _, s := range g {
			op.Pods = append(op.Pods, s.proc.name)
		}
	}
	r := &restartRecord{}
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() { r.roll(ctx, g) })
	}
	wg.Wait()
	op.End = time.Now()
	op.Incarnations, op.Evidence = r.sorted(), r.evidence
	op.Phase = target.OpSucceeded
	if len(r.evidence) > 0 {
		op.Phase = "Running"
	}
	return op, nil
}

// restartStep is one pod of a restart: its process, and what Ready means
// for it.
type restartStep struct {
	proc  *process
	ready func(ctx context.Context) error
}

// brokerSteps orders a shard's brokers as KubeBlocks does: the slaves,
// highest ordinal first, then the master.
func (c *Cluster) brokerSteps(s target.Shard) []restartStep {
	var out []restartStep
	order := append(slices.Clone(s.Slaves()), s.Master())
	slices.SortStableFunc(order[:len(order)-1], func(a, b target.Broker) int { return b.Ordinal - a.Ordinal })
	for _, b := range order {
		br, err := c.findBroker(b.Pod)
		if err != nil {
			continue
		}
		out = append(out, restartStep{proc: br.proc, ready: func(ctx context.Context) error { return c.awaitRegistered(ctx, br) }})
	}
	return out
}

// namesrvSteps orders the namesrvs from the highest ordinal down.
func (c *Cluster) namesrvSteps() []restartStep {
	var out []restartStep
	list := c.namesrvList()
	for i := len(list) - 1; i >= 0; i-- {
		n := list[i]
		out = append(out, restartStep{proc: n.proc, ready: func(ctx context.Context) error { return c.awaitNamesrv(ctx, n) }})
	}
	return out
}

// restartRecord collects the incarnations of a restart's groups.
type restartRecord struct {
	mu           sync.Mutex
	incarnations []target.Incarnation
	evidence     []string
}

// roll restarts steps one after another, each Ready, and available,
// before the next; it stops at the first that does not come back.
func (r *restartRecord) roll(ctx context.Context, steps []restartStep) {
	for i, s := range steps {
		// The delete's SIGTERM reaches only the pod's PID 1, the addon's
		// setup script, which does not pass it on: the JVM serves on until
		// the kubelet kills the container as the grace period ends.
		if !pause(ctx, terminationGrace) {
			return
		}
		gen, err := s.proc.kill(ctx)
		if err == nil {
			err = s.proc.awaitGeneration(ctx, gen)
		}
		if err != nil {
			r.note(target.Incarnation{}, fmt.Sprintf("%s: %v", s.proc.name, err))
			return
		}
		inc := target.Incarnation{Pod: s.proc.name, Started: s.proc.lastStart()}
		if err := s.ready(ctx); err != nil {
			r.note(inc, fmt.Sprintf("%s started again at %s but is not Ready: %v", s.proc.name, inc.Started.Format("15:04:05.000"), err))
			return
		}
		inc.Ready = time.Now()
		r.note(inc, "")
		// The InstanceSet counts a pod available minReadySeconds after it
		// is Ready, and only then takes the next.
		if i < len(steps)-1 && !pause(ctx, minReady) {
			return
		}
	}
}

// The platform's timers a restart waits out, modelled as timers, not
// waits for a condition: the pods' terminationGracePeriodSeconds
// (Kubernetes' default; on kind a deleted broker or namesrv pod took
// about 30 s to go) and the addon's InstanceSets' minReadySeconds
// (KubeBlocks 1.0.2 sets 10 s).
const (
	terminationGrace = 30 * time.Second
	minReady         = 10 * time.Second
)

// pause waits d, or less when ctx ends first; it reports whether d passed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *restartRecord) note(inc target.Incarnation, evidence string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if inc.Pod != "" {
		r.incarnations = append(r.incarnations, inc)
	}
	if evidence != "" {
		r.evidence = append(r.evidence, evidence)
	}
}

// sorted is the incarnations in the order they started.
func (r *restartRecord) sorted() []target.Incarnation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.incarnations)
	slices.SortStableFunc(out, func(a, b target.Incarnation) int { return a.Started.Compare(b.Started) })
	return out
}
