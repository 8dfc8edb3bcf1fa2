package scenarios

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	rocketmq "github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/producer"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/reconfigure.
var (
	rcSucceeded = verdict.Clause{ID: "succeeded", Text: "each Reconfiguring (lowering maxMessageSize, then restoring it) ends Succeed within its bound"}
	rcApplied   = verdict.Clause{ID: "applied", Text: "every broker reports the value set, within one reload after the operation ended"}
	rcNoRestart = verdict.Clause{ID: "no-restart", Text: "no broker restarts: the parameter is dynamic"}
	rcEffect    = verdict.Clause{ID: "effect", Text: "while lowered, every shard's master refuses a body it accepted before (MESSAGE_ILLEGAL); restored, it accepts it again"}
	rcWrites    = verdict.Clause{ID: "writes", Text: "no send of the steady load fails across the reconfiguring"}
)

// The parameter operations/reconfigure sets: maxMessageSize, dynamic in the
// addon's ParametersDefinition (and read per message by the broker since
// RocketMQ 4.9.5), lowered to reconfLimit and probed with a body of
// reconfProbe bytes, which the addon's limit (5 MiB) accepts.
const (
	reconfParam = "maxMessageSize"
	reconfLimit = 64 << 10
	reconfProbe = 2 * reconfLimit
	// reconfApplied is how long after the operation ended a broker may
	// take to report the value: the reload is over when KubeBlocks says
	// Succeed, so this is slack for reading it back.
	reconfApplied = 30 * time.Second
	// reconfBound is what one Reconfiguring may take: KubeBlocks renders
	// the configuration, its config manager notices the change and runs
	// the addon's reloader (an mqadmin JVM) in every broker pod.
	reconfBound = 3 * time.Minute
)

// reconfigureCase is operations/reconfigure; operations.go registers it.
var reconfigureCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "reconfigure",
	Promise: "Under continuous load, a Reconfiguring of the brokers' maxMessageSize, asked of the platform (KubeBlocks: a Reconfiguring OpsRequest, which the addon applies with its reloader), succeeds within its bound; " +
		"every broker reports the new value without restarting, and every shard's master then refuses a body it accepted before; restoring the value succeeds the same way and the body is accepted again; " +
		"no send of the load fails, and no acknowledged message is lost or duplicated.",
	Description: "maxMessageSize is one of the addon's dynamic parameters; its effect is observed in behaviour, not only in the config the broker reports: a " + strconv.Itoa(reconfProbe) + "-byte body is sent to queue 0 of every master before, while lowered to " + strconv.Itoa(reconfLimit) + ", and after. " +
		"The local target applies it as the addon's reloader does, with mqadmin updateBrokerConfig against every broker.",
	Clauses: []verdict.Clause{clauseBrokers, rcSucceeded, rcApplied, rcNoRestart, rcEffect, rcWrites, clauseNotLost, clauseNotTwice},
	Needs:   []verdict.Capability{verdict.Messaging, verdict.Operations},
	Slow:    true,
	Timeout: 10 * time.Minute,
}, Run: reconfigure, Shares: reconfigureOfBrokers}

// reconfigureOfBrokers is the lowering and restoring of maxMessageSize,
// performed once and judged from its record.
var reconfigureOfBrokers = sharedFault[*reconfigureRun]{name: "reconfiguring of the brokers' maxMessageSize", perform: runReconfigure}

// reconfigureRun is the record of one reconfiguring under load.
type reconfigureRun struct {
	f       *faultRun
	from    string // the value before, which the second step restores
	steps   []reconfStep
	probes0 []probeResult // before the first step
}

// reconfStep is one Reconfiguring: what it set, what the platform did,
// what the brokers then reported and how the masters took the probe.
type reconfStep struct {
	value   string
	op      target.Operation
	configs []brokerConfig
	probes  []probeResult
}

// brokerConfig is a broker's config as it served it after a step.
type brokerConfig struct {
	b   target.Broker
	cfg map[string]string
	err error
}

// probeResult is how one shard's master took the probe body.
type probeResult struct {
	shard, pod string
	err        error
}

func reconfigure(ctx context.Context, t *T) {
	r := reconfigureOfBrokers.of(ctx, t)
	h := r.f.judged(t)
	if why := shardsMismatch(r.f.shards, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "%s", why)
	}
	for _, p := range r.probes0 {
		t.Logf("before: %s took a %d-byte body: %s", p.pod, reconfProbe, errText(judgedProbe(t, "before", p)))
	}
	for i, s := range r.steps {
		op := judgedOperation(t, s.op)
		judgeReconfOp(t, op, s.value)
		judgeApplied(t, s)
		judgeProbes(t, s, i == 0)
	}
	r.f.failedOutside(t, rcWrites, h, nil, "nothing: a dynamic parameter must not disturb the sends")
	r.f.judgeFinal(t, h)
}

// runReconfigure lowers maxMessageSize and restores it under load, probing
// every master before and after each step.
func runReconfigure(ctx context.Context, t *T) *reconfigureRun {
	f := startFaultRun(ctx, t, "conformance-reconfigure")
	r := &reconfigureRun{f: f}
	probeTopic := uniqueName("conformance-reconf-probe")
	createTopic(ctx, t, probeTopic, 1)
	p := clientProducer(ctx, t, producer.WithCompressMsgBodyOverHowmuch(math.MaxInt32))
	r.from = reconfCurrent(ctx, t, f.shards)
	r.probes0 = probeMasters(ctx, p, probeTopic, f.shards)
	for _, p := range r.probes0 {
		if p.err != nil {
			t.Erroredf("not judged: before the reconfiguring, %s refused a %d-byte body: %v", p.pod, reconfProbe, p.err)
		}
	}
	for _, v := range []string{strconv.Itoa(reconfLimit), r.from} {
		op := f.operate(ctx, t, "reconfiguring of the brokers' "+reconfParam+" to "+v, reconfBound, func(ctx context.Context) (target.Operation, error) {
			return t.Target.Abilities().Operator.Reconfigure(ctx, target.ComponentBroker, map[string]string{reconfParam: v})
		})
		s := reconfStep{value: v, op: op, configs: awaitValue(ctx, t, f.shards, v)}
		s.probes = probeMasters(ctx, p, probeTopic, awaitShards(ctx, t))
		r.steps = append(r.steps, s)
	}
	f.stop(ctx, t)
	return r
}

// reconfCurrent is the value every broker runs with before the case; a
// topology whose brokers disagree has no one value to restore.
func reconfCurrent(ctx context.Context, t *T, shards []target.Shard) string {
	var v string
	for _, b := range allBrokers(shards) {
		cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr)
		if err != nil {
			t.Erroredf("not judged: read the config of %s: %v", b.Pod, err)
		}
		if v != "" && cfg[reconfParam] != v {
			t.Erroredf("not judged: the brokers run with different %s (%s, %s): there is no one value to restore", reconfParam, v, cfg[reconfParam])
		}
		v = cfg[reconfParam]
	}
	if n, err := strconv.Atoi(v); err != nil || n < reconfProbe {
		t.Erroredf("not judged: the brokers run with %s=%q, which does not admit the %d-byte probe", reconfParam, v, reconfProbe)
	}
	return v
}

// awaitValue waits, within reconfApplied, until every broker reports
// value, and records what each reported last.
func awaitValue(ctx context.Context, t *T, shards []target.Shard, value string) []brokerConfig {
	wctx, cancel := context.WithTimeout(ctx, reconfApplied)
	defer cancel()
	var out []brokerConfig
	wait.Until(wctx, 500*time.Millisecond, "every broker to report "+reconfParam+"="+value, func(ctx context.Context) (bool, string, error) {
		round, done := readConfigs(ctx, t, allBrokers(shards), func(cfg map[string]string) bool { return cfg[reconfParam] == value })
		if out == nil || wctx.Err() == nil {
			out = round
		}
		return done, "", nil
	})
	return out
}

// readConfigs reads the config of every broker once, and says whether
// each read and ok(config). A caller polling it keeps the last round the
// poll's own deadline did not cut short: that round's errors are the
// deadline's, not the brokers'.
func readConfigs(ctx context.Context, t *T, brokers []target.Broker, ok func(map[string]string) bool) ([]brokerConfig, bool) {
	var out []brokerConfig
	done := true
	for _, b := range brokers {
		cfg, err := adminOf(t).BrokerConfig(ctx, b.Addr)
		out = append(out, brokerConfig{b: b, cfg: cfg, err: err})
		done = done && err == nil && ok(cfg)
	}
	return out, done
}

// probeMasters sends the probe body to queue 0 of every shard's master.
func probeMasters(ctx context.Context, p rocketmq.Producer, topic string, shards []target.Shard) []probeResult {
	var out []probeResult
	for _, s := range shards {
		body := make([]byte, reconfProbe)
		rand.Read(body)
		key := uniqueName("probe")
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := load.Send(sctx, p, history.New(), key, load.QueueMessage(topic, s.Name, 0, key, body))
		cancel()
		out = append(out, probeResult{shard: s.Name, pod: s.Master().Pod, err: err})
	}
	return out
}

// judgeReconfOp judges one Reconfiguring: it succeeded within its bound
// and restarted nothing.
func judgeReconfOp(t *T, op target.Operation, value string) {
	t.Logf("%s (%s=%s): phase %s after %s", op.Name, reconfParam, value, orNone([]string{op.Phase}), op.End.Sub(op.Start).Round(time.Millisecond))
	t.Figure("reconfigure_"+value, float64(op.End.Sub(op.Start).Milliseconds()), "ms")
	switch {
	case op.Phase == target.OpSucceeded:
	case target.OpEnded(op.Phase):
		t.Errorf(rcSucceeded, "setting %s=%s ended %s: %s", reconfParam, value, op.Phase, orNone(op.Evidence))
	default:
		judgeLate(t, rcSucceeded, history.Window{Start: op.Start, End: op.End}, op.Pods,
			"setting %s=%s did not end within %s: phase %s; %s", reconfParam, value, reconfBound, orNone([]string{op.Phase}), orNone(op.Evidence))
	}
	if len(op.Incarnations) > 0 {
		t.Errorf(rcNoRestart, "setting %s=%s restarted brokers: %s", reconfParam, value, incarnationsText(op))
	}
}

// judgeApplied checks every broker reported the step's value.
func judgeApplied(t *T, s reconfStep) {
	if len(s.configs) == 0 {
		t.Errorf(rcApplied, "after setting %s=%s, no broker's config was read", reconfParam, s.value)
	}
	for _, c := range s.configs {
		if c.err != nil {
			t.Errorf(rcApplied, "after setting %s=%s, read the config of %s: %v", reconfParam, s.value, c.b.Pod, c.err)
			continue
		}
		if got := judgedConfig(t, c.b.Addr, c.cfg)[reconfParam]; got != s.value {
			t.Errorf(rcApplied, "%s reports %s=%s %s after setting it to %s", c.b.Pod, reconfParam, got, reconfApplied, s.value)
		}
	}
}

// judgeProbes checks the masters refused the probe while the limit was
// lowered, and took it once restored.
func judgeProbes(t *T, s reconfStep, lowered bool) {
	for _, p := range s.probes {
		err := judgedProbe(t, s.value, p)
		t.Logf("%s=%s: %s took a %d-byte body: %s", reconfParam, s.value, p.pod, reconfProbe, errText(err))
		switch {
		case lowered && err == nil:
			t.Errorf(rcEffect, "%s accepted a %d-byte body with %s=%s", p.pod, reconfProbe, reconfParam, s.value)
		case lowered && !strings.Contains(err.Error(), "CODE: 13"):
			t.Errorf(rcEffect, "%s refused the %d-byte body with %s=%s, but not with MESSAGE_ILLEGAL (code 13): %v", p.pod, reconfProbe, reconfParam, s.value, err)
		case !lowered && err != nil:
			t.Errorf(rcEffect, "%s refused a %d-byte body after %s was restored to %s: %v", p.pod, reconfProbe, reconfParam, s.value, err)
		}
	}
}

// judgedProbe is a probe's outcome through the tests' probe plant.
func judgedProbe(t *T, step string, p probeResult) error {
	if t.plants.probe != nil {
		return t.plants.probe(step, p.shard, p.err)
	}
	return p.err
}

func errText(err error) string {
	if err == nil {
		return "accepted"
	}
	return fmt.Sprintf("refused (%v)", err)
}

// allBrokers is every broker of shards, shard by shard.
func allBrokers(shards []target.Shard) []target.Broker {
	var out []target.Broker
	for _, s := range shards {
		out = append(out, s.Brokers...)
	}
	return out
}
