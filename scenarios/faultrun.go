package scenarios

import (
	"context"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
)

// faultRun is the common frame of the failover cases: a topic on every
// shard, a paced load over all of them, the history of every send, and
// once the fault is over the read-back of every shard from its master.
// It is a record: the cases judge it (judged), and a judgement never
// changes it, so several cases, or one case several times, judge the
// same run.
type faultRun struct {
	shards []target.Shard
	topic  string
	h      *history.History
	load   *load.Load
	reads  map[string]*readback.Shard // the final read-back, as the masters served it
}

const faultQueues, faultRate = 4, 100

// startFaultRun takes its topic (useTopic) and starts the load, and returns once
// every shard has taken writes. A run that cannot get there has nothing
// to inject a fault into: the case is errored, not judged.
func startFaultRun(ctx context.Context, t *T, prefix string) *faultRun {
	f := &faultRun{shards: awaitShards(ctx, t), topic: useTopic(ctx, t, prefix, faultQueues), h: history.New()}
	f.load = load.Start(ctx, f.h, producers(ctx, t), f.topic, f.shards, faultQueues, faultRate, nil)
	t.Cleanup(f.load.Stop)
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := wait.Until(wctx, 50*time.Millisecond, "every shard to acknowledge writes", func(context.Context) (bool, string, error) {
		for _, s := range f.shards {
			if n := f.h.AcksIn(s.Name, history.Window{Start: time.Time{}, End: time.Now()}); n < 20 {
				return false, fmt.Sprintf("%s has %d acks", s.Name, n), nil
			}
		}
		return true, "", nil
	})
	if err != nil {
		why := starvedDuring(t, history.Window{Start: start, End: time.Now()}, brokerProcesses(f.shards))
		t.Erroredf("not judged: before the fault, %v; %s", err, firstNonEmpty(why, "no process was starved beyond the threshold"))
	}
	return f
}

// stop ends the load and reads every queue back from the current
// masters, once each covers what was acknowledged on its shard.
func (f *faultRun) stop(ctx context.Context, t *T) {
	f.stopOn(ctx, t, awaitShards(ctx, t)) // fresh: a recreated pod has a new address
}

// stopOn is stop reading back from the masters of shards, as they are
// now: after a scaling they need not be the topology's. A shard of the
// load that is not among them is not read back; what was acknowledged
// there counts as lost.
func (f *faultRun) stopOn(ctx context.Context, t *T, shards []target.Shard) {
	f.load.Stop()
	var masters []target.Broker
	for _, s := range shards {
		if slices.ContainsFunc(f.shards, func(l target.Shard) bool { return l.Name == s.Name }) {
			masters = append(masters, s.Master())
		}
	}
	f.reads = readback.Read(ctx, adminOf(t), f.h, masters, f.topic, faultQueues)
}

// awaitWrites waits up to limit for the first write acknowledged on shard
// after from, and returns when it was, or the zero time.
func (f *faultRun) awaitWrites(ctx context.Context, shard string, from time.Time, limit time.Duration) time.Time {
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var first time.Time
	wait.Until(wctx, 50*time.Millisecond, "shard "+shard+" to accept writes again", func(context.Context) (bool, string, error) {
		first = firstAckAfter(f.h, shard, from, limit)
		return !first.IsZero(), "", nil
	})
	return first
}

// configWait is how long a returned broker has to serve its config: one
// thawed or started a moment ago on a busy machine may miss one request's
// timeout by no fault of its own (a planted freeze on a loaded CI runner
// did, on 2026-12-08).
const configWait = 15 * time.Second

// returnedBroker reads a killed broker as it came back, and its config as the
// broker serves it (a judgement reads it through judgedConfig).
func returnedBroker(ctx context.Context, t *T, victim target.Broker) (target.Broker, map[string]string, error) {
	b := current(ctx, t, victim)
	cfg, err := awaitConfig(ctx, "the config of "+b.Pod, configWait, func(ctx context.Context) (map[string]string, error) {
		return adminOf(t).BrokerConfig(ctx, b.Addr)
	})
	return b, cfg, err
}

// awaitConfig asks read for a config until it answers, for up to limit;
// when it never does, the error says what the last request got.
func awaitConfig(ctx context.Context, what string, limit time.Duration, read func(context.Context) (map[string]string, error)) (map[string]string, error) {
	var cfg map[string]string
	var last error
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	err := wait.Until(wctx, 500*time.Millisecond, what, func(ctx context.Context) (bool, string, error) {
		cfg, last = read(ctx)
		return last == nil, wait.Reason(last), nil
	})
	if err != nil && last != nil {
		err = fmt.Errorf("%w; the last request: %v", err, last)
	}
	return cfg, err
}

// down reports whether nothing accepts connections at addr.
func down(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// operate asks the platform for one operation (what names it: "restart
// of the broker"), within bound, bracketed as a fault in the history, and
// returns its record. An interruption, or a request the target could not
// make, ends the case unjudged (skipped when the target says it cannot
// here); what the platform did is the record's.
func (f *faultRun) operate(ctx context.Context, t *T, what string, bound time.Duration, do func(context.Context) (target.Operation, error)) target.Operation {
	t.progressf("  %s, within %s", what, bound)
	f.h.FaultStart(what)
	octx, cancel := context.WithTimeout(ctx, bound)
	op, err := do(octx)
	cancel()
	f.h.FaultEnd(what)
	if ctx.Err() != nil {
		t.Erroredf("not judged: interrupted during the %s: %v", what, ctx.Err())
	}
	endOn(t, "not judged: ask for the "+what, err)
	t.progressf("  %s ended %s after %s", op.Name, orNone([]string{op.Phase}), op.End.Sub(op.Start).Round(time.Second))
	return op
}
