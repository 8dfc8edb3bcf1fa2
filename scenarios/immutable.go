package scenarios

import (
	"context"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/reconfigure-immutable.
var (
	imRefused   = verdict.Clause{ID: "refused", Text: "a Reconfiguring of brokerClusterName, immutable in the addon's parameters, is refused (the API server refuses it, or it ends Failed) within its bound"}
	imUnchanged = verdict.Clause{ID: "unchanged", Text: "every broker still reports its brokerClusterName, and none restarts"}
)

// immutableCase is operations/reconfigure-immutable; operations.go
// registers it.
var immutableCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "reconfigure-immutable",
	Promise:     "A Reconfiguring of brokerClusterName, which the addon's parameters hold immutable, is refused by the platform within its bound, and nothing changes: every broker reports the brokerClusterName it had, and none restarts.",
	Description: "The refusal is the platform's (KubeBlocks, from the addon's ParametersDefinition); the local target refuses the addon's immutable parameters as KubeBlocks does, and the brokers are then read to see that nothing changed.",
	Clauses:     []verdict.Clause{clauseBrokers, imRefused, imUnchanged},
	Needs:       []verdict.Capability{verdict.Messaging, verdict.Operations},
	Slow:        true,
	Timeout:     reconfBound + time.Minute,
}, Run: reconfigureImmutable}

const immutableParam = "brokerClusterName"

func reconfigureImmutable(ctx context.Context, t *T) {
	shards := awaitShards(ctx, t)
	if why := shardsMismatch(shards, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "%s", why)
	}
	before := map[string]string{}
	for _, b := range allBrokers(shards) {
		cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr)
		if err != nil {
			t.Erroredf("not judged: read the config of %s: %v", b.Pod, err)
		}
		before[b.Pod] = cfg[immutableParam]
	}
	t.progressf("  operations/reconfigure-immutable: asking to set %s on the brokers, within %s", immutableParam, reconfBound)
	octx, cancel := context.WithTimeout(ctx, reconfBound)
	op, err := t.Target.Abilities().Operator.Reconfigure(octx, target.ComponentBroker, map[string]string{immutableParam: uniqueName("renamed")})
	cancel()
	if ctx.Err() != nil {
		t.Erroredf("not judged: interrupted during the reconfiguring: %v", ctx.Err())
	}
	if err != nil {
		t.Erroredf("not judged: ask for the reconfiguring: %v", err)
	}
	op = judgedOperation(t, op)
	t.Logf("%s: phase %s after %s; %s", op.Name, orNone([]string{op.Phase}), op.End.Sub(op.Start).Round(time.Millisecond), orNone(op.Evidence))
	switch {
	case op.Phase == target.OpSucceeded:
		t.Errorf(imRefused, "setting the immutable %s ended Succeed", immutableParam)
	case !target.OpEnded(op.Phase):
		judgeLate(t, imRefused, history.Window{Start: op.Start, End: op.End}, op.Pods, "setting the immutable %s was neither refused nor ended within %s: phase %s", immutableParam, reconfBound, orNone([]string{op.Phase}))
	}
	if len(op.Incarnations) > 0 {
		t.Errorf(imUnchanged, "brokers restarted: %s", incarnationsText(op))
	}
	for _, b := range allBrokers(awaitShards(ctx, t)) {
		cfg, err := brokerConfigOf(ctx, t, adminOf(t), b.Addr)
		switch {
		case err != nil:
			t.Errorf(imUnchanged, "read the config of %s after the refused reconfiguring: %v", b.Pod, err)
		case cfg[immutableParam] != before[b.Pod]:
			t.Errorf(imUnchanged, "%s reports %s=%s; it was %s", b.Pod, immutableParam, cfg[immutableParam], before[b.Pod])
		}
	}
}
