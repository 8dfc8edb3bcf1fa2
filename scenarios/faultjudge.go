package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// judged is the run's history as case t judges it: a copy, with the
// tests' judge-time plant, and the final read-back as deliveries to
// scope "final".
func (f *faultRun) judged(t *T) *history.History {
	sentThrough(t, f.h)
	h := judgedCopy(t, f.h)
	deliverTo(t, h, "final", f.reads)
	return h
}

// keptWriting checks, under clause c, that every shard but skip took
// writes (sends made and acknowledged during w) and none failed during
// w. A shard that did not, while the machine starved its master, is
// inconclusive.
func (f *faultRun) keptWriting(t *T, c verdict.Clause, h *history.History, w history.Window, skip string) {
	for _, s := range f.shards {
		if s.Name == skip {
			continue
		}
		acks, fails := h.TakenIn(s.Name, w), h.FailsIn(s.Name, w)
		t.Logf("shard %s during the fault (%s): %d writes acknowledged, %d failed", s.Name, w.Duration().Round(time.Millisecond), acks, fails)
		t.Figure("acked_during_fault_"+s.Name, float64(acks), "")
		if acks == 0 || fails > 0 {
			judgeLate(t, c, w, []string{s.Master().Pod}, "shard %s did not keep accepting writes during the fault: %d acknowledged, %d failed", s.Name, acks, fails)
		}
	}
}

// storeLoss names a shard whose master was recreated at from, and the
// clause a loss there falls under when that master came back without its
// store: it never covered the offsets acknowledged on it, or every
// message lost there was acknowledged before the recreation (flushed to
// disk before the kill, so only a store that did not come back loses
// it, however far new writes have refilled its offsets since).
type storeLoss struct {
	shard  string
	clause verdict.Clause
	from   time.Time
}

// judgeFinal checks, for the case t, history h against the final
// read-back: no acknowledged message lost, none read back twice, each
// lost one named.
func (f *faultRun) judgeFinal(t *T, h *history.History, stores ...storeLoss) {
	judgeReads(t, clauseNotLost, f.readsBut(stores), "dispatch_wait")
	for _, st := range stores {
		if r, ok := f.reads[st.shard]; ok && r.Err != nil {
			t.Errorf(st.clause, "read back shard %s from its recreated master %s: %v", st.shard, r.Broker.Pod, r.Err)
		}
	}
	rep := h.Check("final")
	t.Logf("history, read back from the masters: %s", rep)
	if rep.Acked == 0 {
		t.Erroredf("not judged: no write was acknowledged during the run: %s", rep)
	}
	t.Figure("acked", float64(rep.Acked), "")
	t.Figure("lost", float64(len(rep.Lost)), "")
	if len(rep.Lost) > 0 {
		c, why := f.lossClause(rep, stores)
		t.Errorf(c, "read back from the masters: %s%s", rep, why)
		reportLost(t, rep, f.reads)
	}
	// A message read back that nobody sent is counted with the
	// duplicates: the brokers hold more than was acknowledged.
	if len(rep.Duplicated) > 0 || len(rep.Unexpected) > 0 {
		t.Errorf(clauseNotTwice, "read back from the masters: %s", rep)
	}
}

// readsBut is the final read-back without the stores' shards.
func (f *faultRun) readsBut(stores []storeLoss) map[string]*readback.Shard {
	out := maps.Clone(f.reads)
	for _, st := range stores {
		delete(out, st.shard)
	}
	return out
}

// lossClause is the clause the losses of rep fall under, and why when it
// is a store's: every lost message was acknowledged on a shard whose
// recreated master never covered its offsets or could not be read, or
// was acknowledged there before the recreation. Otherwise clauseNotLost.
func (f *faultRun) lossClause(rep history.Report, stores []storeLoss) (verdict.Clause, string) {
	for _, st := range stores {
		r, ok := f.reads[st.shard]
		if !ok {
			continue
		}
		there, before := true, true
		for _, op := range rep.LostAcks {
			there = there && op.Shard == st.shard
			before = before && op.At.Before(st.from)
		}
		switch {
		case !there:
		case !r.Covered || r.Err != nil:
			return st.clause, fmt.Sprintf("; the master of shard %s came back without its store: it never covered the acknowledged offsets", st.shard)
		case before:
			return st.clause, fmt.Sprintf("; the master of shard %s came back without its store: every message lost was acknowledged there before its recreation (%s), and its offsets hold later writes", st.shard, st.from.Format("15:04:05.000"))
		}
	}
	return clauseNotLost, ""
}

// failedOutside fails clause c for every failed send of h outside the
// allowed window of its shard (none for a shard not in allowed).
func (f *faultRun) failedOutside(t *T, c verdict.Clause, h *history.History, allowed map[string]history.Window, what string) {
	windows := map[string][]history.Window{}
	for s, w := range allowed {
		windows[s] = []history.Window{w}
	}
	f.failedOutsideAny(t, c, h, windows, what)
}

// failedOutsideAny is failedOutside with several windows per shard.
func (f *faultRun) failedOutsideAny(t *T, c verdict.Clause, h *history.History, allowed map[string][]history.Window, what string) {
	var outside []history.Op
	for _, op := range h.Failures() {
		if slices.ContainsFunc(allowed[op.Shard], func(w history.Window) bool { return !op.At.Before(w.Start) && !op.At.After(w.End) }) {
			continue
		}
		outside = append(outside, op)
	}
	judgeFailures(t, c, h, outside, f.shards, "outside "+what)
}

// checkIdentity checks, under clause c, that a broker that came back is
// who it was: of its shard, at brokerId id, in role. cfg is its config as
// recorded; the case judges it through judgedConfig.
func checkIdentity(t *T, c verdict.Clause, cfg map[string]string, b target.Broker, role string, id int) {
	cfg = judgedConfig(t, b.Addr, cfg)
	for _, key := range []string{"brokerName", "brokerId", "brokerRole"} {
		want := map[string]string{"brokerName": b.Shard, "brokerId": strconv.Itoa(id), "brokerRole": role}[key]
		if cfg[key] != want {
			t.Errorf(c, "%s came back with %s=%s, expected %s", b.Pod, key, cfg[key], want)
		}
	}
	t.Logf("%s came back as %s brokerId %s of %s", b.Pod, cfg["brokerRole"], cfg["brokerId"], cfg["brokerName"])
}

// judgeResume judges, under clause c, that shard took a write again
// within one route refresh (plus slack) of from, when victim was back (or
// thawed), and returns the fault window: from faultAt until that write,
// or until now when none came. named says what from was, for the figure.
func judgeResume(t *T, c verdict.Clause, h *history.History, shard string, victim target.Broker, faultAt, from time.Time, named string) history.Window {
	resumed := firstAckAfter(h, shard, from, routeRefresh+boundSlack)
	if resumed.IsZero() {
		judgeLate(t, c, history.Window{Start: from, End: from.Add(routeRefresh + boundSlack)}, []string{victim.Pod},
			"shard %s took no write within %s of its master's %s (one route refresh plus %s)", shard, routeRefresh+boundSlack, named, boundSlack)
		return history.Window{Start: faultAt, End: time.Now()}
	}
	t.Waited("writes_resumed_after_"+named, resumed.Sub(from), timerRouteRefresh)
	return history.Window{Start: faultAt, End: resumed}
}

// firstAckAfter is when h first acknowledged, within limit after from, a
// write to shard that was sent after from; or the zero time. A send made
// before from and acknowledged a moment after it says nothing of the
// shard after from: a broker that answered it and then stopped (a kill, a
// freeze) has taken no write since, however late the client read its
// answer.
func firstAckAfter(h *history.History, shard string, from time.Time, limit time.Duration) time.Time {
	sent := map[string]bool{}
	for _, op := range h.Ops() {
		if op.Shard != shard || !op.At.After(from) || op.At.After(from.Add(limit)) {
			continue
		}
		switch op.Kind {
		case history.Invoke:
			sent[op.ID] = true
		case history.Ack:
			if sent[op.ID] {
				return op.At
			}
		}
	}
	return time.Time{}
}

// countIn counts the ops stamped within w.
func countIn(ops []history.Op, w history.Window) int {
	n := 0
	for _, op := range ops {
		if !op.At.Before(w.Start) && !op.At.After(w.End) {
			n++
		}
	}
	return n
}
