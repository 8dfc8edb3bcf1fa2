package scenarios

import (
	"context"

	"github.com/rmqkb/conformance/scenarios/election"
	"github.com/rmqkb/conformance/verdict"
)

// clauseLabelsSettle is a clause of every case that kills or freezes a
// broker: on a platform that labels roles, the labels must agree with the
// brokers again once the fault is over (apecloud/kubeblocks#10082: the
// master label went missing after restarts).
var clauseLabelsSettle = verdict.Clause{ID: "labels-settle", Text: "where a platform labels roles, the shard's labels settle again to one master, the broker registered at brokerId 0"}

// labelCheck is what a fault run saw of a shard's role labels after the
// fault: why the target has none, or what election.AwaitLabels saw.
type labelCheck struct {
	lacks string
	election.Labels
}

// awaitLabels waits, where the target labels roles, for shard name's
// labels to agree with the brokers, and records what it saw.
func awaitLabels(ctx context.Context, t *T, name string) labelCheck {
	lc := labelCheck{lacks: t.Target.Abilities().Lacks(verdict.RoleLabels)}
	n := namesrvsOf(ctx, t)
	if lc.lacks == "" {
		lc.Labels = election.AwaitLabels(ctx, t.Target, n, name)
	} else {
		// For a judgement through the tests' label plant: the shard and
		// its registration as they were after the fault.
		lc.Labels, _ = election.Read(ctx, t.Target, n, name)
	}
	return lc
}

// judgeLabels judges, under clause c, what a fault run saw of shard
// name's labels after the fault named after. Without platform labels (the
// local target) there is nothing to compare, and the evidence says so.
// The tests' label plant relabels the shard as recorded.
func judgeLabels(t *T, c verdict.Clause, lc labelCheck, name, after string) {
	if t.plants.labels != nil {
		lc.lacks, lc.Wrong = "", election.LabelMismatch(t.plants.labels(lc.Shard), lc.Registered)
	}
	switch {
	case lc.lacks != "":
		t.Logf("role labels not checked after %s: %s", after, lc.lacks)
	case lc.Wrong != "":
		t.Errorf(c, "after %s, within %s, the role labels of %s did not settle: %s", after, election.LabelSettle, name, lc.Wrong)
	default:
		t.Logf("after %s, the role labels of %s agree with the brokers: one master, registered at brokerId 0", after, name)
	}
}

// labelsSettled checks, under clause c, that shard name's labels settle
// after the fault named after.
func labelsSettled(ctx context.Context, t *T, c verdict.Clause, name, after string) {
	judgeLabels(t, c, awaitLabels(ctx, t, name), name, after)
}
