package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/wait"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// The clauses of operations/namesrv-scale.
var (
	nsSucceeded  = verdict.Clause{ID: "succeeded", Text: "the scale-out and the scale-in of the namesrvs each end Succeed within their bound"}
	nsMembers    = verdict.Clause{ID: "members", Text: "the scale-out adds the next ordinal; the scale-in removes the highest"}
	nsListed     = verdict.Clause{ID: "brokers-list", Text: "after each step every broker's namesrvAddr lists exactly the namesrvs there are, none removed"}
	nsRegistered = verdict.Clause{ID: "registered", Text: "after each step every broker is registered in every namesrv within the brokers' namesrv refresh (120 s) and one registration period"}
	nsNewServes  = verdict.Clause{ID: "new-namesrv-serves", Text: "a client that knows only the added namesrv sends to every shard"}
	nsWrites     = verdict.Clause{ID: "writes", Text: "no send of the steady load fails across the scaling"}
)

// nsRefresh is how often a broker re-reads its namesrvAddr into the list
// it registers with (RocketMQ 4.9: every 120 s, 10 s after start); a
// pushed list takes effect within it.
const nsRefresh = 120 * time.Second

// nsScaleBound is what one namesrv scaling may take: a namesrv pod's start
// or its grace period, the addon's member action (an mqadmin JVM per
// broker), and the session's recreation allowance.
func nsScaleBound(t *T) time.Duration { return podRestartBound + t.session.recreation }

// nsScaleCase is operations/namesrv-scale; operations.go registers it.
var nsScaleCase = Case{Case: verdict.Case{
	Suite: "operations", Name: "namesrv-scale",
	Promise: "Under continuous load, a scale-out of the namesrvs by one and a scale-in by one, asked of the platform (KubeBlocks: HorizontalScaling OpsRequests, with the addon's memberJoin and memberLeave actions), each succeed within their bound; " +
		"after each, every broker's namesrvAddr lists exactly the namesrvs there are and every broker is registered in every one of them; a client that knows only the added namesrv sends to every shard; " +
		"no send fails, and no acknowledged message is lost or duplicated.",
	Description: "The addon's member actions push the namesrv list with mqadmin updateBrokerConfig -k namesrvAddr; a broker re-reads that key into the list it registers with every 120 s. " +
		"The local target starts or stops a namesrv and pushes the list as the actions promise.",
	Clauses: []verdict.Clause{clauseBrokers, nsSucceeded, nsMembers, nsListed, nsRegistered, nsNewServes, nsWrites, clauseNotLost, clauseNotTwice},
	Needs:   []verdict.Capability{verdict.Messaging, verdict.Operations},
	Slow:    true,
	Timeout: 16 * time.Minute,
}, Run: nsScale, Shares: nsScaleOfNamesrvs}

// nsScaleOfNamesrvs is the scale-out and scale-in, performed once and
// judged from its record.
var nsScaleOfNamesrvs = sharedFault[*nsScaleRun]{name: "scale-out and scale-in of the namesrvs", perform: runNsScale}

// nsScaleRun is the record of the two steps under load.
type nsScaleRun struct {
	f     *faultRun
	bound time.Duration
	steps []nsStep
}

// nsStep is one scaling and what the brokers then listed.
type nsStep struct {
	delta   int
	op      target.Operation
	configs []brokerConfig
	rereg   reregistration
	probes  []probeResult // scale-out: the sends through the added namesrv alone
}

func nsScale(ctx context.Context, t *T) {
	r := nsScaleOfNamesrvs.of(ctx, t)
	h := r.f.judged(t)
	if why := shardsMismatch(r.f.shards, t.Target.Topology()); why != "" {
		t.Errorf(clauseBrokers, "%s", why)
	}
	for _, st := range r.steps {
		op := judgedOperation(t, st.op)
		what := fmt.Sprintf("scaling of the namesrvs by %+d", st.delta)
		judgeStopStartOp(t, nsSucceeded, op, r.bound)
		judgeNamesrvMembers(t, op, st.delta)
		judgeListed(t, st, op.Members, what)
		judgeReregistered(t, nsRegistered, st.rereg, op.End, "the "+what)
		for _, p := range st.probes {
			if err := judgedProbe(t, "new-namesrv", p); err != nil {
				t.Errorf(nsNewServes, "through the added namesrv alone, a send to %s failed: %v", p.shard, err)
			} else {
				t.Logf("through the added namesrv alone, a send to %s was acknowledged", p.shard)
			}
		}
		if st.delta > 0 && len(st.probes) == 0 {
			t.Errorf(nsNewServes, "no send went through the added namesrv: %s", orNone(slices.Collect(maps.Keys(op.Members))))
		}
	}
	r.f.failedOutside(t, nsWrites, h, nil, "nothing: the namesrvs' membership must not disturb the sends")
	r.f.judgeFinal(t, h)
}

// runNsScale adds a namesrv and removes it again under load.
func runNsScale(ctx context.Context, t *T) *nsScaleRun {
	f := startFaultRun(ctx, t, "conformance-nsscale")
	r := &nsScaleRun{f: f, bound: nsScaleBound(t)}
	probeTopic := uniqueName("conformance-nsscale-probe")
	createTopic(ctx, t, probeTopic, 1)
	for _, delta := range []int{1, -1} {
		op := f.operate(ctx, t, fmt.Sprintf("scaling of the namesrvs by %+d", delta), r.bound, func(ctx context.Context) (target.Operation, error) {
			return t.Target.Abilities().Operator.HorizontalScale(ctx, target.ComponentNamesrv, delta)
		})
		st := nsStep{delta: delta, op: op}
		st.configs = awaitNamesrvAddr(ctx, t, f.shards, op.Members)
		st.rereg = awaitRegisteredIn(ctx, t, nsRefresh+reregisterBound, len(op.Members))
		if added := addedNamesrv(op); delta > 0 && added != "" {
			st.probes = sendThrough(ctx, t, added, probeTopic, f.shards)
		}
		r.steps = append(r.steps, st)
		if op.Phase != target.OpSucceeded {
			break
		}
	}
	f.stop(ctx, t)
	return r
}

// awaitNamesrvAddr waits, within one minute, until every broker's
// namesrvAddr lists exactly members, and records what each reported.
func awaitNamesrvAddr(ctx context.Context, t *T, shards []target.Shard, members map[string]string) []brokerConfig {
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var out []brokerConfig
	wait.Until(wctx, time.Second, "every broker to list the namesrvs there are", func(ctx context.Context) (bool, string, error) {
		round, done := readConfigs(ctx, t, allBrokers(shards), func(cfg map[string]string) bool { return namesrvListGap(cfg["namesrvAddr"], members) == "" })
		if out == nil || wctx.Err() == nil {
			out = round
		}
		return done, "", nil
	})
	return out
}

// namesrvListGap says how a broker's namesrvAddr (";"-joined host:port,
// on kube the pods' DNS names) differs from members (pod -> address).
func namesrvListGap(list string, members map[string]string) string {
	var entries []string
	for e := range strings.SplitSeq(list, ";") {
		if e = strings.TrimSpace(e); e != "" {
			entries = append(entries, e)
		}
	}
	matched := map[string]bool{}
	var stray []string
	for _, e := range entries {
		pod := ""
		for p, addr := range members {
			if e == addr || strings.HasPrefix(e, p+".") {
				pod = p
			}
		}
		if pod == "" || matched[pod] {
			stray = append(stray, e)
			continue
		}
		matched[pod] = true
	}
	var missing []string
	for _, p := range slices.Sorted(maps.Keys(members)) {
		if !matched[p] {
			missing = append(missing, p)
		}
	}
	if len(stray) == 0 && len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("namesrvAddr=%q: %s listed that is no namesrv there is (or twice), %s missing", list, orNone(stray), orNone(missing))
}

// addedNamesrv is the address of the namesrv a scale-out added (the pod
// among the members that was not among the pods before), or "".
func addedNamesrv(op target.Operation) string {
	for pod, addr := range op.Members {
		if !slices.Contains(op.Pods, pod) {
			return addr
		}
	}
	return ""
}

// sendThrough sends one message to queue 0 of every shard with a producer
// that knows only the namesrv at addr.
func sendThrough(ctx context.Context, t *T, addr, topic string, shards []target.Shard) []probeResult {
	p := clientProducerOn(t, []string{addr})
	var out []probeResult
	for _, s := range shards {
		key := uniqueName("via-new-namesrv")
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := load.Send(sctx, p, history.New(), key, load.QueueMessage(topic, s.Name, 0, key, []byte(key)))
		cancel()
		out = append(out, probeResult{shard: s.Name, pod: s.Master().Pod, err: err})
	}
	return out
}

// judgeNamesrvMembers checks the scaling added the next ordinal, or removed the
// highest.
func judgeNamesrvMembers(t *T, op target.Operation, delta int) {
	after := slices.Sorted(maps.Keys(op.Members))
	before := slices.Clone(op.Pods)
	slices.SortFunc(before, func(a, b string) int { return podOrdinal(a) - podOrdinal(b) })
	var want []string
	if delta > 0 {
		want = append(before, fmt.Sprintf("%s%d", strings.TrimSuffix(before[len(before)-1], fmt.Sprint(podOrdinal(before[len(before)-1]))), len(before)))
	} else if len(before) > 0 {
		want = before[:len(before)-1]
	}
	slices.Sort(want)
	if !slices.Equal(after, want) {
		t.Errorf(nsMembers, "after the scaling by %+d the namesrvs are %s; expected %s", delta, orNone(after), orNone(want))
	}
}

// judgeListed checks every broker listed exactly the members.
func judgeListed(t *T, st nsStep, members map[string]string, what string) {
	if len(st.configs) == 0 {
		t.Errorf(nsListed, "after the %s, no broker's config was read", what)
	}
	listed := 0
	defer func() {
		if listed == len(st.configs) && listed > 0 {
			t.Logf("after the %s every broker lists exactly %s", what, orNone(slices.Sorted(maps.Values(members))))
		}
	}()
	for _, c := range st.configs {
		if c.err != nil {
			t.Errorf(nsListed, "after the %s, read the config of %s: %v", what, c.b.Pod, c.err)
			continue
		}
		if gap := namesrvListGap(judgedConfig(t, c.b.Addr, c.cfg)["namesrvAddr"], members); gap != "" {
			t.Errorf(nsListed, "%s, a minute after the %s: %s", c.b.Pod, what, gap)
			continue
		}
		listed++
	}
}
