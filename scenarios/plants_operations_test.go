package scenarios_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/target/local"
)

// onBrokerRestart plants f on the recorded restart of the brokers, as an
// operations case judges it.
func onBrokerRestart(f func(c *local.Cluster, op *target.Operation)) edge {
	return func(c *local.Cluster) planted {
		return with(scenarios.PlantOperation(func(op *target.Operation) {
			if op.Component == target.ComponentBroker {
				f(c, op)
			}
		}))
	}
}

// restartFailed: the platform reports the restart Failed.
func restartFailed(_ *local.Cluster, op *target.Operation) {
	op.Phase = "Failed"
	op.Evidence = append(op.Evidence, "planted: the OpsRequest failed")
}

// firstPodTwice: the first pod restarted starts once more after the
// restart.
func firstPodTwice(_ *local.Cluster, op *target.Operation) {
	if len(op.Incarnations) == 0 {
		return
	}
	again := op.Incarnations[0]
	again.Started, again.Ready = op.End, op.End
	op.Incarnations = append(op.Incarnations, again)
}

// masterFirst: the first shard's master starts before its slave is Ready.
func masterFirst(c *local.Cluster, op *target.Operation) {
	s := shardsOf(c)[0]
	slave := slices.IndexFunc(op.Incarnations, func(i target.Incarnation) bool { return i.Pod == s.Slaves()[0].Pod })
	master := slices.IndexFunc(op.Incarnations, func(i target.Incarnation) bool { return i.Pod == s.Master().Pod })
	if slave < 0 || master < 0 {
		return
	}
	op.Incarnations[master].Started = op.Incarnations[slave].Ready.Add(-op.Incarnations[slave].Ready.Sub(op.Incarnations[slave].Started) / 2)
}

// notRegisteredAgain: a namesrv does not list a broker again.
func notRegisteredAgain(*local.Cluster) planted {
	return with(scenarios.PlantRegistered(func(missing []string) []string {
		return append(missing, "namesrv planted-namesrv: it does not list a broker")
	}))
}

// onOperation plants f on every recorded operation whose name starts
// with prefix ("stop", "start", "reconfiguring": the local target's names).
func onOperation(prefix string, f func(op *target.Operation)) edge {
	return func(*local.Cluster) planted {
		return with(scenarios.PlantOperation(func(op *target.Operation) {
			if strings.HasPrefix(op.Name, prefix) {
				f(op)
			}
		}))
	}
}

// opFailed: the platform reports the operation Failed.
func opFailed(op *target.Operation) {
	op.Phase = "Failed"
	op.Evidence = append(op.Evidence, "planted: the OpsRequest failed")
}

// podLeft: a pod still exists when the Stop ends.
func podLeft(op *target.Operation) { op.Remaining = append(op.Remaining, "planted-pod-0") }

// storeRecreated: one broker's store comes back as another after the
// Start (a PVC deleted with its pod and made anew).
func storeRecreated(op *target.Operation) {
	for k := range op.Stores {
		op.Stores[k] = "planted: a store made anew"
		return
	}
}

// restartedDuring: a broker restarts during the operation.
func restartedDuring(op *target.Operation) {
	if len(op.Pods) > 0 {
		op.Incarnations = append(op.Incarnations, target.Incarnation{Pod: op.Pods[0], Started: op.End})
	}
}

// probeAccepted: a master that takes the probe body whatever the limit.
func probeAccepted(*local.Cluster) planted {
	return with(scenarios.PlantProbe(func(string, string, error) error { return nil }))
}

// onPodRun plants f on what the first shard's slave was recorded running
// with.
func onPodRun(f func(run *target.PodRun)) edge {
	return func(c *local.Cluster) planted {
		slave := shardsOf(c)[0].Slaves()[0].Pod
		return with(scenarios.PlantPodRun(func(pod string, run *target.PodRun) {
			if pod == slave {
				f(run)
			}
		}))
	}
}

// newNamesrvFails: the sends through the added namesrv alone fail.
func newNamesrvFails(*local.Cluster) planted {
	return with(scenarios.PlantProbe(func(step, _ string, err error) error {
		if step == "new-namesrv" {
			return errors.New("planted: no route through the added namesrv")
		}
		return err
	}))
}

// probeFails: the probes of step (a scaling's "catch-up", "new-shard",
// "route") fail.
func probeFails(step string) edge {
	return func(*local.Cluster) planted {
		return with(scenarios.PlantProbe(func(s, _ string, err error) error {
			if s == step {
				return errors.New("planted: the " + step + " probe failed")
			}
			return err
		}))
	}
}

// addedKept: a replica scale-in that leaves every pod it found serving.
func addedKept(op *target.Operation) {
	for _, p := range op.Pods {
		if _, ok := op.Members[p]; !ok {
			op.Members[p] = "planted: still serving"
		}
	}
}

// unlabelled: a platform that labels roles but labels no broker (the
// local target's brokers carry no label).
func unlabelled(c *local.Cluster) planted { return reshape(c, reshaped{labels: true}) }

// expander is the bench as a platform whose volumes grow: ExpandVolumes
// answers Succeed with every broker's volume at the size asked for and
// the same stores before and after. A test double, for showing the
// clauses of operations/volume-expand fail one by one; no run of the
// suite has it (the local target cannot expand, and says so).
type expander struct{ *local.Cluster }

func (e expander) Abilities() target.Abilities {
	a := e.Cluster.Abilities()
	a.Operator = e
	return a
}

func (e expander) ExpandVolumes(ctx context.Context, component, by string) (target.Operation, error) {
	op := target.Operation{Name: "volume expansion (test double)", Component: component, Start: time.Now(), Phase: target.OpSucceeded, Requested: "2Gi",
		Capacities: map[string]string{}, Stores: map[string]string{}, StoresBefore: map[string]string{}}
	for _, s := range shardsOf(e.Cluster) {
		for _, b := range s.Brokers {
			pvc := "data-" + b.Pod
			op.Capacities[pvc], op.Stores[pvc], op.StoresBefore[pvc] = "2Gi", "uid-"+b.Pod, "uid-"+b.Pod
		}
	}
	op.End = time.Now()
	return op, nil
}

// expanding is e (nothing when nil) on the bench as an expander.
func expanding(e edge) edge {
	return func(c *local.Cluster) planted {
		pl := planted{}
		if e != nil {
			pl = e(c)
		}
		pl.target = expander{c}
		return pl
	}
}

// smallVolume: one volume reports 1Gi after an expansion to 2Gi.
func smallVolume(op *target.Operation) {
	for k := range op.Capacities {
		op.Capacities[k] = "1Gi"
		return
	}
}
