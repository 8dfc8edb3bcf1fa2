package scenarios

import (
	"context"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/clientlog"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// storeScope is the history scope of a direct read of the masters: what the
// brokers hold, as opposed to what a consumer received.
const storeScope = "brokers"

// consumerJudge judges consumer scopes of one topic. When a consumer fell
// short it reads the topic back from the masters once, after they cover
// every acknowledged offset, so that a message the brokers hold but a
// consumer never received is reported as undelivered, with the client's
// own errors, and only a message no broker holds as lost.
type consumerJudge struct {
	t      *T
	h      *history.History
	topic  string
	queues int
	shards []target.Shard
	since  time.Time // the client errors quoted are those logged after it
	// The clauses the case holds a scope's violations to: a message no
	// broker holds, one the brokers hold but the scope never received,
	// one received twice (or never sent).
	lost, undelivered, twice verdict.Clause

	reads map[string]*readback.Shard
}

// judge checks scope's deliveries and reports what is wrong, naming every
// lost message; it returns the report.
func (j *consumerJudge) judge(ctx context.Context, scope string) history.Report {
	rep := j.h.Check(scope)
	if len(rep.Lost) > 0 {
		if j.reads == nil {
			var masters []target.Broker
			for _, s := range j.shards {
				masters = append(masters, s.Master())
			}
			j.reads = readback.Read(ctx, adminOf(j.t), j.h, masters, j.topic, j.queues)
			deliverTo(j.t, j.h, storeScope, j.reads)
			judgeReads(j.t, j.lost, j.reads, "dispatch_wait")
		}
		rep = j.h.Check(scope, storeScope)
	}
	j.t.Logf("%s: %s", scope, rep)
	if rep.OK() {
		return rep
	}
	if len(rep.Lost) > 0 {
		j.t.Errorf(j.lost, "%s: %s", scope, rep)
		reportLost(j.t, rep, j.reads)
	}
	if len(rep.Undelivered) > 0 {
		errs := clientlog.Since(j.since, 5)
		if len(errs) == 0 {
			errs = []string{"none logged"}
		}
		j.t.Errorf(j.undelivered, "%s: %s; %d acknowledged messages are held by the brokers but were never delivered; the client's warnings and errors: %s",
			scope, rep, len(rep.Undelivered), strings.Join(errs, " | "))
	}
	if len(rep.Duplicated) > 0 || len(rep.Unexpected) > 0 {
		j.t.Errorf(j.twice, "%s: %s", scope, rep)
	}
	return rep
}

// judgedCopy is what the case judges of h: a copy, with the tests'
// judge-time plant applied, so a recorded history is never changed by a
// judgement.
func judgedCopy(t *T, h *history.History) *history.History {
	c := h.Clone()
	t.plants.judging(c)
	return c
}
