package scenarios

import (
	"context"
	"strings"
	"time"

	"github.com/rmqkb/conformance/internal/clientlog"
	"github.com/rmqkb/conformance/scenarios/history"
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
	shards []Shard
	since  time.Time // the client errors quoted are those logged after it

	reads map[string]*shardRead
}

// judge checks scope's deliveries and reports what is wrong, naming every
// lost message; it returns the report.
func (j *consumerJudge) judge(ctx context.Context, scope string) history.Report {
	rep := j.h.Check(scope)
	if len(rep.Lost) > 0 {
		if j.reads == nil {
			var masters []Broker
			for _, s := range j.shards {
				masters = append(masters, s.Master())
			}
			j.reads = j.t.readBack(ctx, j.h, storeScope, masters, j.topic, j.queues)
			j.t.judgeReads(j.reads, "dispatch_wait")
		}
		rep = j.h.Check(scope, storeScope)
	}
	j.t.Logf("%s: %s", scope, rep)
	if rep.OK() {
		return rep
	}
	j.t.Errorf("%s: %s", scope, rep)
	j.t.reportLost(rep, j.reads)
	if len(rep.Undelivered) > 0 {
		errs := clientlog.Since(j.since, 5)
		if len(errs) == 0 {
			errs = []string{"none logged"}
		}
		j.t.Errorf("%s: %d acknowledged messages are held by the brokers but were never delivered; the client's warnings and errors: %s",
			scope, len(rep.Undelivered), strings.Join(errs, " | "))
	}
	return rep
}
