package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/rmqkb/conformance/target"
)

// Stop implements target.Operator as KubeBlocks 1.0.2 stops the addon's
// Cluster: every component's pods deleted, in the ClusterDefinition's
// update order (the namesrvs, then every broker shard at once), the
// brokers' stores kept. Here each process is held down and killed (a
// deleted pod's JVM is killed when its grace period ends; the local
// target does not wait that out, since nothing serves meanwhile that the
// cases judge), and its data directory stays.
func (c *Cluster) Stop(ctx context.Context) (target.Operation, error) {
	op := target.Operation{Name: "stop of the cluster (local, in KubeBlocks' order)", Component: target.ComponentCluster, Start: time.Now()}
	for _, group := range [][]*process{c.namesrvProcs(), c.brokerProcs()} {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, p := range group {
			op.Pods = append(op.Pods, p.name)
			wg.Go(func() {
				p.hold()
				if _, err := p.kill(ctx); err != nil {
					mu.Lock()
					op.Evidence = append(op.Evidence, err.Error())
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	c.endState(&op)
	op.Phase = target.OpSucceeded
	if len(op.Evidence) > 0 || len(op.Remaining) > 0 {
		op.Phase = "Running"
	}
	return op, nil
}

// Start implements target.Operator: the held processes start again in the
// same order, the namesrvs Ready before the brokers start, each broker
// registered in every namesrv before the operation ends (KubeBlocks says
// Succeed once every pod is Ready, which for the addon's brokers is their
// port answering; registration is what the cases judge after).
func (c *Cluster) Start(ctx context.Context) (target.Operation, error) {
	op := target.Operation{Name: "start of the cluster (local, in KubeBlocks' order)", Component: target.ComponentCluster, Start: time.Now()}
	r := &restartRecord{}
	var groups [][]restartStep
	groups = append(groups, c.namesrvSteps())
	var brokers []restartStep
	for _, s := range c.shardList() {
		for _, b := range s.brokers {
			brokers = append(brokers, restartStep{proc: b.proc, ready: func(ctx context.Context) error { return c.awaitRegistered(ctx, b) }})
		}
	}
	groups = append(groups, brokers)
	for _, g := range groups {
		var wg sync.WaitGroup
		for _, s := range g {
			op.Pods = append(op.Pods, s.proc.name)
			wg.Go(func() { r.start(ctx, s) })
		}
		wg.Wait()
		if len(r.evidence) > 0 {
			break // the brokers wait for the namesrvs, as the update order has them
		}
	}
	op.Incarnations, op.Evidence = r.sorted(), r.evidence
	c.endState(&op)
	op.Phase = target.OpSucceeded
	if len(op.Evidence) > 0 {
		op.Phase = "Running"
	}
	return op, nil
}

// start releases a held process and waits until it is Ready.
func (r *restartRecord) start(ctx context.Context, s restartStep) {
	gen := s.proc.generation()
	s.proc.release()
	if err := s.proc.awaitGeneration(ctx, gen); err != nil {
		r.note(target.Incarnation{}, fmt.Sprintf("%s: %v", s.proc.name, err))
		return
	}
	inc := target.Incarnation{Pod: s.proc.name, Started: s.proc.lastStart()}
	if err := s.ready(ctx); err != nil {
		r.note(inc, fmt.Sprintf("%s started at %s but is not Ready: %v", s.proc.name, inc.Started.Format("15:04:05.000"), err))
		return
	}
	inc.Ready = time.Now()
	r.note(inc, "")
}

// endState records which processes run and each broker's store.
func (c *Cluster) endState(op *target.Operation) {
	op.End = time.Now()
	for _, p := range append(c.namesrvProcs(), c.brokerProcs()...) {
		if ok, _ := p.alive(); ok {
			op.Remaining = append(op.Remaining, p.name)
		}
	}
	op.Stores = map[string]string{}
	for _, b := range c.brokers() {
		op.Stores[b.proc.name] = storeIdentity(filepath.Join(c.dir, b.proc.name, "store"))
	}
}

// storeIdentity is a store directory and its inode: a directory made
// anew has another.
func storeIdentity(dir string) string {
	st, err := os.Stat(dir)
	if err != nil {
		return dir + " (" + err.Error() + ")"
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%s (inode %d)", dir, sys.Ino)
	}
	return dir
}

func (c *Cluster) namesrvProcs() []*process {
	var out []*process
	for _, n := range c.namesrvList() {
		out = append(out, n.proc)
	}
	return out
}

func (c *Cluster) brokerProcs() []*process {
	var out []*process
	for _, b := range c.brokers() {
		out = append(out, b.proc)
	}
	return out
}
