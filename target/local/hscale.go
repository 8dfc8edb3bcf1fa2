package local

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rmqkb/conformance/target"
)

// HorizontalScale implements target.Operator for the namesrvs, as
// KubeBlocks 1.0.2 and the addon scale them: a new namesrv gets the next
// ordinal and, once it serves, the addon's memberJoin action pushes the
// whole namesrv list to every broker (`mqadmin updateBrokerConfig -k
// namesrvAddr`); scale-in removes the highest ordinal, after the
// memberLeave action pushed the list without it. Here the pushed list is
// what the action promises: every namesrv that remains.
func (c *Cluster) HorizontalScale(ctx context.Context, component string, delta int) (target.Operation, error) {
	if component == target.ComponentBroker {
		return c.scaleReplicas(ctx, delta)
	}
	op := target.Operation{Name: fmt.Sprintf("horizontal scaling of the %s by %+d (local, as the addon's member actions)", component, delta), Component: component, Start: time.Now()}
	if component != target.ComponentNamesrv {
		return op, fmt.Errorf("horizontal scaling: component %q: expected %s or %s", component, target.ComponentNamesrv, target.ComponentBroker)
	}
	if delta != 1 && delta != -1 {
		return op, fmt.Errorf("horizontal scaling: by %d: the local target adds or removes one namesrv at a time", delta)
	}
	for _, n := range c.namesrvList() {
		op.Pods = append(op.Pods, n.proc.name)
	}
	var err error
	if delta > 0 {
		err = c.addNamesrv(ctx, &op)
	} else {
		err = c.removeNamesrv(ctx, &op)
	}
	op = ended(op, err)
	op.Members = map[string]string{}
	for _, n := range c.namesrvList() {
		op.Members[n.proc.name] = n.addr
	}
	return op, nil
}

// addNamesrv starts the next namesrv and, once it serves, joins it.
func (c *Cluster) addNamesrv(ctx context.Context, op *target.Operation) error {
	list := c.namesrvList()
	pod := fmt.Sprintf("%s-namesrv-%d", c.manifest.Name, len(list))
	port, err := c.ports.take(1, "namesrv "+pod)
	c.ports.release()
	if err != nil {
		return err
	}
	n, err := c.namesrvProcess(pod, port)
	if err != nil {
		return fmt.Errorf("write namesrv %s: %w", pod, err)
	}
	if err := n.proc.start(); err != nil {
		return err
	}
	c.mu.Lock()
	c.namesrvs = append(c.namesrvs, n)
	c.mu.Unlock()
	if err := c.awaitNamesrv(ctx, n); err != nil {
		return err
	}
	op.Incarnations = append(op.Incarnations, target.Incarnation{Pod: pod, Started: n.proc.lastStart(), Ready: time.Now()})
	return c.pushNamesrvs(ctx, c.namesrvAddrs())
}

// removeNamesrv leaves the highest namesrv out of every broker's list,
// then stops it.
func (c *Cluster) removeNamesrv(ctx context.Context, op *target.Operation) error {
	list := c.namesrvList()
	if len(list) < 2 {
		return fmt.Errorf("scale-in: %d namesrv, the last is never removed", len(list))
	}
	leaving := list[len(list)-1]
	var rest []string
	for _, n := range list[:len(list)-1] {
		rest = append(rest, n.addr)
	}
	if err := c.pushNamesrvs(ctx, rest); err != nil {
		return err
	}
	c.mu.Lock()
	c.namesrvs = c.namesrvs[:len(c.namesrvs)-1]
	c.mu.Unlock()
	return leaving.proc.stop(terminationGrace)
}

// pushNamesrvs sets namesrvAddr on every broker, as the addon's member
// actions do.
func (c *Cluster) pushNamesrvs(ctx context.Context, addrs []string) error {
	v := strings.Join(addrs, ";")
	for _, b := range c.brokers() {
		if _, err := c.MQAdmin(ctx, "updateBrokerConfig", "-b", b.addr, "-k", "namesrvAddr", "-v", v); err != nil {
			return fmt.Errorf("%s: set namesrvAddr: %w", b.proc.name, err)
		}
	}
	return nil
}
