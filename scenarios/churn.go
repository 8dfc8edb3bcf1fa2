package scenarios

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
)

// churnRounds is how many times in a row leader-churn kills a leader. A
// variable only so the planted-fault tests can run one round.
var churnRounds = 3

// leaderChurnCase is failover/leader-churn; failover.go registers it in
// the suite's order.
var leaderChurnCase = Case{
	Suite: "failover", Name: "leader-churn",
	Promise: fmt.Sprintf("In DLedger mode, with the leader of one shard killed %d times in a row under continuous load (each time the member that leads then, once the previous victim is back), "+
		"a survivor is elected leader after every kill, every killed leader returns as a follower, and where the platform labels roles the master label is on the registered leader after every election; every acknowledged message survives all elections: "+
		"read back from the last leader, none is lost or duplicated, and every follower serves its leader's messages at their offsets.", churnRounds),
	Description: "Besides the client load, a writer follows the leader itself (it sends straight to whichever broker the namesrv lists at brokerId 0, with the suite's remoting client), " +
		"so writes are acknowledged between elections even though rocketmq-client-go learns of a new leader only at its next route refresh. " +
		"Each election's time is reported. This is the failure class of apache/rocketmq#6509, where acknowledged messages were truncated after a re-election.",
	Clauses: []string{clauseBrokers, "a survivor is elected leader after every kill", "every killed leader returns as a follower",
		"the master label is on the registered leader after every election", clauseNotLost,
		"no acknowledged message is read back twice", "every follower serves its leader's messages at their offsets"},
	Needs:              []Capability{Messaging, Faults},
	OnlyIn:             Mode{DLedger: true},
	DLedgerMinReplicas: 3,
	Timeout:            300 * time.Second,
	Recreations:        3,
	Run:                leaderChurn,
}

func leaderChurn(ctx context.Context, t *T) {
	f := t.startFaultRun(ctx, "conformance-churn")
	shard := f.shards[0].Name
	w := t.followLeader(ctx, f, shard)
	t.Cleanup(w.stop)
	var first time.Time
	for i := 1; i <= churnRounds; i++ {
		e := t.killLeader(ctx, f, shard)
		if first.IsZero() {
			first = e.killAt
		}
		t.judgeElection(e, Shard{Name: shard})
		if e.err == nil {
			t.Figure(fmt.Sprintf("election_%d", i), float64(e.elected.Milliseconds()), "ms")
		}
		if e.err != nil || e.backErr != nil {
			break
		}
	}
	w.stop()
	t.Figure("acked_by_leader_writer", float64(w.acked()), "")
	if w.acked() == 0 {
		t.Errorf("the writer that follows the leader of %s got no write acknowledged", shard)
	}
	reads := f.stop(ctx)
	f.failedOutside(t, map[string]history.Window{shard: {Start: first, End: time.Now()}},
		fmt.Sprintf("the churn of shard %s", shard))
	f.judgeFinal(t, reads)
	t.judgeMembers(t.readMembers(ctx, f.topic, faultQueues, reads))
}

// leaderWriter sends to whichever broker the first namesrv lists at
// brokerId 0 of its shard, recording every attempt in the fault run's
// history under keys of its own.
type leaderWriter struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu sync.Mutex
	n  int // acknowledged
}

// followLeader starts a leaderWriter on shard, with a client of its own.
func (t *T) followLeader(ctx context.Context, f *faultRun, shard string) *leaderWriter {
	ctx, cancel := context.WithCancel(ctx)
	w := &leaderWriter{cancel: cancel, done: make(chan struct{})}
	rc := adminClient(t.Target)
	ns := t.namesrvs(ctx)[0]
	go func() {
		defer close(w.done)
		defer rc.Close()
		paced(ctx, 20*time.Millisecond, func(n int) {
			key := fmt.Sprintf("%s-leader-%s-%d", f.topic, shard, n)
			f.h.Invoke(key, shard)
			res, err := w.send(ctx, rc, ns, shard, remoting.SendRequest{
				Group: "conformance-leader-writer", Topic: f.topic, QueueID: n % faultQueues,
				Body: []byte(key), Properties: map[string]string{"KEYS": key},
			})
			if err != nil {
				f.h.Fail(key, shard, err)
				return
			}
			f.h.Ack(key, shard, res.QueueID, res.QueueOffset)
			w.mu.Lock()
			w.n++
			w.mu.Unlock()
		})
	}()
	return w
}

// send sends r to the broker namesrv ns lists as shard's leader now.
func (w *leaderWriter) send(ctx context.Context, rc *remoting.Client, ns, shard string, r remoting.SendRequest) (*remoting.SendResult, error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	ci, err := rc.ClusterInfo(sctx, ns)
	if err != nil {
		return nil, err
	}
	leader := ci.BrokerAddrTable[shard].BrokerAddrs[0]
	if leader == "" {
		return nil, fmt.Errorf("namesrv %s lists no leader of %s", ns, shard)
	}
	return rc.Send(sctx, leader, r)
}

func (w *leaderWriter) stop() {
	w.once.Do(func() {
		w.cancel()
		<-w.done
	})
}

func (w *leaderWriter) acked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}
