package scenarios_test

import (
	"errors"
	"slices"
	"strings"

	"github.com/rmqkb/conformance/internal/local"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/target"
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
