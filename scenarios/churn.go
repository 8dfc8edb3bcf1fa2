package scenarios

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/scenarios/load"
	"github.com/rmqkb/conformance/scenarios/readback"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// churnRounds is how many times in a row leader-churn kills a leader.
const churnRounds = 3

// The clauses of failover/leader-churn.
var (
	churnElected  = verdict.Clause{ID: "elected", Text: "a survivor is elected leader after every kill"}
	churnFollows  = verdict.Clause{ID: "victims-follow", Text: "every killed leader returns as a follower"}
	churnLabel    = verdict.Clause{ID: "label", Text: "the master label is on the registered leader after every election"}
	churnFollower = verdict.Clause{ID: "followers-serve", Text: "every follower serves its leader's messages at their offsets"}
	churnOutside  = verdict.Clause{ID: "no-failed-send", Text: "no send fails outside the churn of the shard"}
)

// leaderChurnCase is failover/leader-churn; failover.go registers it in
// the suite's order.
var leaderChurnCase = Case{Case: verdict.Case{
	Suite: "failover", Name: "leader-churn",
	Promise: fmt.Sprintf("In DLedger mode, with the leader of one shard killed %d times in a row under continuous load (each time the member that leads then, once the previous victim is back), "+
		"a survivor is elected leader after every kill, every killed leader returns as a follower, and where the platform labels roles the master label is on the registered leader after every election; every acknowledged message survives all elections: "+
		"read back from the last leader, none is lost or duplicated, every follower serves its leader's messages at their offsets, and no send fails outside the churn.", churnRounds),
	Description: "Besides the client load, a writer follows the leader itself (it sends straight to whichever broker the namesrv lists at brokerId 0, with the suite's remoting client), " +
		"so writes are acknowledged between elections even though rocketmq-client-go learns of a new leader only at its next route refresh. " +
		"Each election's time is reported. This is the failure class of apache/rocketmq#6509, where acknowledged messages were truncated after a re-election.",
	Clauses:            []verdict.Clause{clauseBrokers, churnElected, churnFollows, churnLabel, clauseNotLost, clauseNotTwice, churnFollower, churnOutside},
	Needs:              []verdict.Capability{verdict.Messaging, verdict.Faults},
	OnlyIn:             Mode{DLedger: true},
	DLedgerMinReplicas: 3,
	Timeout:            300 * time.Second,
	Recreations:        3,
}, Run: leaderChurn, Shares: churnOfALeader}

// leaderChurn is the record of a churn: every election, what the writer
// that follows the leader got acknowledged, and every follower's content.
type churn struct {
	f         *faultRun
	shard     string
	elections []*leaderKill
	first     time.Time // the first kill
	end       time.Time // the churn's end: the load's
	acked     int       // by the writer that follows the leader
	members   []readback.Member
}

func leaderChurn(ctx context.Context, t *T) {
	c := churnOfALeader.of(ctx, t)
	for i, e := range c.elections {
		judgeElection(t, electionClauses{churnElected, churnFollows, churnLabel}, e, target.Shard{Name: c.shard})
		if e.err == nil {
			t.Figure(fmt.Sprintf("election_%d", i+1), float64(e.elected.Milliseconds()), "ms")
		}
	}
	t.Figure("acked_by_leader_writer", float64(c.acked), "")
	if c.acked == 0 {
		t.Erroredf("not judged: the writer that follows the leader of %s got no write acknowledged", c.shard)
	}
	h := c.f.judged(t)
	c.f.failedOutside(t, churnOutside, h, map[string]history.Window{c.shard: {Start: c.first, End: c.end}},
		fmt.Sprintf("the churn of shard %s", c.shard))
	c.f.judgeFinal(t, h)
	judgeMembers(t, churnFollower, c.members)
}

// runChurn kills the leader of the first shard churnRounds times in a row
// under load, with a writer that follows the leader, and reads every
// member back.
func runChurn(ctx context.Context, t *T) *churn {
	f := startFaultRun(ctx, t, "conformance-churn")
	c := &churn{f: f, shard: f.shards[0].Name}
	w := followLeader(ctx, t, f, c.shard)
	t.Cleanup(w.stop)
	rounds := churnRounds
	if t.plants.churnRounds > 0 {
		rounds = t.plants.churnRounds
	}
	for i := 1; i <= rounds; i++ {
		e := killLeader(ctx, t, f, c.shard)
		if c.first.IsZero() {
			c.first = e.killAt
		}
		c.elections = append(c.elections, e)
		if e.err != nil || e.backErr != nil {
			break
		}
	}
	w.stop()
	c.acked = w.acked()
	// The churn lasts until the load stops: until its next route refresh,
	// the load's client sends to a leader that is one no more.
	f.stop(ctx, t)
	c.end = time.Now()
	c.members = readMembers(ctx, t, f.topic, faultQueues, f.reads)
	return c
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
func followLeader(ctx context.Context, t *T, f *faultRun, shard string) *leaderWriter {
	ctx, cancel := context.WithCancel(ctx)
	w := &leaderWriter{cancel: cancel, done: make(chan struct{})}
	rc := adminClient(t.Target)
	ns := namesrvAddrs(ctx, t)[0]
	go func() {
		defer close(w.done)
		defer rc.Close()
		load.Paced(ctx, 20*time.Millisecond, func(n int) {
			key := fmt.Sprintf("%s-leader-%s-%d", f.topic, shard, n)
			f.h.Invoke(key, shard)
			res, err := w.send(ctx, rc, ns, shard, remoting.SendRequest{
				Group: "conformance-leader-writer", Topic: f.topic, QueueID: n % faultQueues,
				Body: []byte(key), Properties: map[string]string{"KEYS": key},
			})
			switch {
			case err != nil:
				f.h.Fail(key, shard, err)
				return
			case res.Warning != "":
				f.h.AckWarned(key, shard, res.QueueID, res.QueueOffset, res.Warning)
			default:
				f.h.Ack(key, shard, res.QueueID, res.QueueOffset)
			}
			w.mu.Lock()
			w.n++
			w.mu.Unlock()
		})
	}()
	return w
}

// send sends r to the broker namesrv ns lists as shard's leader now.
func (w *leaderWriter) send(ctx context.Context, rc *remoting.Client, ns, shard string, r remoting.SendRequest) (*remoting.SendResult, error) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), load.SendTimeout)
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

// churnOfALeader is the churn of a leader, shared by the cases that judge it.
var churnOfALeader = sharedFault[*churn]{name: "churn of a leader", perform: runChurn,
	ahead: []topicAhead{{"conformance-churn", faultQueues}}}
