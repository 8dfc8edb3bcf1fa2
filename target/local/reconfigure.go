package local

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/rmqkb/conformance/target"
)

// Reconfigure implements target.Operator as the addon applies a dynamic
// broker parameter: its reloader runs `mqadmin updateBrokerConfig -b
// <the broker> -k <key> -v <value>` in every broker pod, one key at a
// time; here the same tool runs against every broker at once. Only the
// brokers have parameters to set. As KubeBlocks does from the addon's
// ParametersDefinition, it refuses a parameter the addon holds immutable
// before touching any broker; the broker refusing a key, or the tool
// failing, ends the operation Failed with the tool's words.
func (c *Cluster) Reconfigure(ctx context.Context, component string, params map[string]string) (target.Operation, error) {
	op := target.Operation{Name: "reconfiguring of the " + component + " (local, with mqadmin updateBrokerConfig as the addon's reloader)", Component: component, Start: time.Now()}
	if component != target.ComponentBroker {
		return op, fmt.Errorf("reconfigure: no parameters for component %q: expected %s", component, target.ComponentBroker)
	}
	if len(params) == 0 {
		return op, fmt.Errorf("reconfigure: no parameters given")
	}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		if slices.Contains(immutableParameters, k) {
			op.End, op.Phase = time.Now(), "Failed"
			op.Evidence = append(op.Evidence, fmt.Sprintf("parameter %s is immutable (the addon's ParametersDefinition, as KubeBlocks would refuse it)", k))
		}
	}
	if op.Phase != "" {
		return op, nil
	}
	gens := map[*broker]int{}
	for _, b := range c.brokers() {
		op.Pods = append(op.Pods, b.proc.name)
		gens[b] = b.proc.generation()
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for b := range gens {
		wg.Go(func() {
			for _, k := range slices.Sorted(maps.Keys(params)) {
				if _, err := c.MQAdmin(ctx, "updateBrokerConfig", "-b", b.addr, "-k", k, "-v", params[k]); err != nil {
					mu.Lock()
					op.Evidence = append(op.Evidence, fmt.Sprintf("%s: set %s: %v", b.proc.name, k, err))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	op.End = time.Now()
	op.Phase = target.OpSucceeded
	if len(op.Evidence) > 0 {
		op.Phase = "Failed"
	}
	// A broker that restarted meanwhile is an incarnation of the
	// operation, as a restarted container is on kube.
	for b, gen := range gens {
		if b.proc.generation() != gen {
			op.Incarnations = append(op.Incarnations, target.Incarnation{Pod: b.proc.name, Started: b.proc.lastStart()})
		}
	}
	return op, nil
}

// immutableParameters are the broker parameters the addon 1.0.2 declares
// immutable (configs/rocketmq4-broker-config-effect-scope.yaml).
var immutableParameters = []string{"storePathRootDir", "rocketmqHome", "listenPort", "haListenPort", "brokerIP1", "brokerIP2",
	"brokerClusterName", "brokerName", "brokerRole", "brokerId", "aclEnable", "enableDLegerCommitLog", "namesrvAddr"}
