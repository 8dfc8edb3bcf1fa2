package scenarios

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// Execute runs cases on tgt in one Session the way every run path does
// (runner.Run.Execute for the commands, the harness's features): a suite
// at a time, each set up (Prepare performs the faults several of its
// cases judge) and torn down (Release) around its cases. It returns the
// results in order, without reports: the tests' way to run cases.
func Execute(ctx context.Context, tgt target.Target, cases []Case, opts ...SessionOption) []verdict.Result {
	s := NewSession(tgt, append([]SessionOption{WithSelection(cases)}, opts...)...)
	var out []verdict.Result
	for _, suite := range BySuite(cases) {
		s.Prepare(ctx, suite, func(string, ...any) {})
		for _, c := range suite {
			out = append(out, s.Run(ctx, c))
		}
		s.Release(suite)
	}
	return out
}

// Session runs cases on one target and holds what they share: the fault
// runs several cases judge (one master kill is judged by failover/kill-master,
// failover/read-from-slave and failover/other-shards-write), so a fault is
// injected once per session however many of its cases run. The e2e-framework
// harness keeps one Session across its assessments.
type Session struct {
	tgt        target.Target
	profile    verdict.Profile
	recreation time.Duration                    // more time per recreation a case waits for
	startup    time.Duration                    // how long a Startup case waits for the Cluster to come up
	plants     plants                           // the tests' edge faults; none in a real run
	say        func(format string, args ...any) // progress on a long wait; nil for none

	selection []Case // the cases it will run, for createAhead

	mu     sync.Mutex
	shared map[string]*sharedRun
	// guests start the runs a suite's setup has ready for their host's
	// cue (besideOf), by host; each returns its guest's name.
	guests map[string]func() string
	// ahead holds the topics created ahead and not yet taken; aheadDone
	// says they were made (createAhead runs once).
	ahead     map[topicAhead]aheadTopic
	aheadDone bool
	// notReady is what a failed gate case found missing ("" while none
	// failed): the cases that need a live cluster are then not judged.
	notReady string
}

// NewSession starts a session on tgt, in the full profile unless an
// option says otherwise.
func NewSession(tgt target.Target, opts ...SessionOption) *Session {
	s := &Session{tgt: tgt, profile: verdict.Full, shared: map[string]*sharedRun{}, guests: map[string]func() string{}, ahead: map[topicAhead]aheadTopic{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Run runs one case. A case that needs a capability the target lacks, or a
// bigger topology, is skipped with the reason; a case cut short by its
// timeout or by the end of ctx is errored with what it was doing.
func (s *Session) Run(ctx context.Context, c Case) verdict.Result { return s.run(ctx, c, s.plants) }

// run runs c with the plants p.
func (s *Session) run(ctx context.Context, c Case, p plants) verdict.Result {
	rec := verdict.NewRecord(c.Case)
	t := &T{T: rec.T(), Target: s.tgt, rec: rec, session: s, id: c.ID(), clauses: c.Clauses, plants: p}
	if st, why := s.gate(ctx, c); st != "" {
		r := rec.Result(0)
		r.Status, r.Observed = st, why
		return r
	}
	timeout := s.timeout(c)
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rec.Start(cctx)
	t.starve = starvation.Start(s.tgt)
	perform(cctx, t, c.Run)
	cutShort(ctx, cctx, rec, timeout)
	t.starve.Stop()
	r := resultOf(t, time.Since(start))
	if c.Gates && r.Status == verdict.Failed {
		s.mu.Lock()
		s.notReady = fmt.Sprintf("not judged: it needs a live cluster and waited on %s, which failed", strings.Join(r.FailedClauses, ", "))
		s.mu.Unlock()
	}
	return r
}

// cutShort records, when cctx (bounded by timeout, within ctx) ended
// before rec's body did, whether the run was interrupted or the timeout
// passed.
func cutShort(ctx, cctx context.Context, rec *verdict.Record, timeout time.Duration) {
	switch {
	case cctx.Err() == nil:
	case ctx.Err() != nil:
		rec.CutShort("interrupted (" + ctx.Err().Error() + ")")
	default:
		rec.CutShort(fmt.Sprintf("did not finish within its timeout of %s", timeout))
	}
}

// gate says why c does not run here, as the status it gets instead: a
// capability the target lacks, a topology or mode that cannot show its
// promise, a slow case in the quick profile (skipped); a case judged on
// the written reports (pending); an interrupted run (errored).
func (s *Session) gate(ctx context.Context, c Case) (verdict.Status, string) {
	abilities := s.tgt.Abilities()
	for _, need := range c.Needs {
		if abilities.Undeclared(need) {
			return verdict.Errored, fmt.Sprintf("suite defect: target %q declares neither how it can %s nor why it cannot", s.tgt.Name(), need.Doing())
		}
		if why := abilities.Lacks(need); why != "" {
			return verdict.Skipped, fmt.Sprintf("target %q cannot %s: %s", s.tgt.Name(), need.Doing(), why)
		}
	}
	if why := c.TopologyGap(s.tgt.Topology()); why != "" {
		return verdict.Skipped, why
	}
	if c.Slow && s.profile == verdict.Quick {
		return verdict.Skipped, "slow: it waits minutes on RocketMQ's timers, and the quick profile skips it; run it with --profile full"
	}
	if c.AfterReports {
		return verdict.Pending, "judged once the reports are written"
	}
	s.mu.Lock()
	notReady := s.notReady
	s.mu.Unlock()
	if notReady != "" && c.NeedsLive() {
		return verdict.Skipped, notReady
	}
	if err := ctx.Err(); err != nil {
		return verdict.Errored, "not run: the run was interrupted (" + err.Error() + ")"
	}
	return "", ""
}

// timeout is c's bound: its own, or the default, and the session's
// allowance for each recreation it waits for.
func (s *Session) timeout(c Case) time.Duration {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = verdict.DefaultTimeout
	}
	if c.Startup {
		timeout += s.startup
	}
	return timeout + time.Duration(c.Recreations)*s.recreation
}

// perform runs body (a case's, or a shared run's) in its own goroutine,
// which Fatalf and Skipf end, and returns when it has, or shortly after
// ctx ends: a case is given a moment to notice the cancellation and record
// what it was waiting for.
func perform(ctx context.Context, t *T, body func(context.Context, *T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer finish(t)
		defer func() {
			if v := recover(); v != nil {
				t.rec.Panicked(v)
			}
		}()
		body(ctx, t)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

// finish runs the case's cleanups and closes its admin client.
func finish(t *T) {
	t.rec.Finish()
	t.mu.Lock()
	rc := t.rc
	t.rc = nil
	t.mu.Unlock()
	if rc != nil {
		rc.Close()
	}
}

// resultOf is the case's Result: what it recorded, the warnings of the
// sends it made, and how the machine starved what it judged.
func resultOf(t *T, d time.Duration) verdict.Result {
	reportWarnedAcks(t)
	r := t.rec.Result(d)
	if t.starve != nil {
		r.Starvation = t.starve.Summary()
	}
	return r
}
