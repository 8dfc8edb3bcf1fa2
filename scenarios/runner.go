package scenarios

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// Progress receives a line when a case starts and when it ends, so a long run
// shows where it is.
type Progress interface {
	CaseStarted(c Case)
	CaseDone(r verdict.Result)
}

// Execute runs cases on tgt, one after another, in one Session, and returns
// their results in order.
func Execute(ctx context.Context, tgt target.Target, cases []Case, p Progress, opts ...SessionOption) []verdict.Result {
	s := NewSession(tgt, opts...)
	var out []verdict.Result
	for _, c := range cases {
		if p != nil {
			p.CaseStarted(c)
		}
		r := s.Run(ctx, c)
		if p != nil {
			p.CaseDone(r)
		}
		out = append(out, r)
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
	recreation time.Duration // more time per recreation a case waits for
	plants     plants        // the tests' edge faults; none in a real run

	mu     sync.Mutex
	shared map[string]*sharedRun
}

// NewSession starts a session on tgt, in the full profile unless an
// option says otherwise.
func NewSession(tgt target.Target, opts ...SessionOption) *Session {
	s := &Session{tgt: tgt, profile: verdict.Full, shared: map[string]*sharedRun{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// sharedRun is one fault run and its outcome.
type sharedRun struct {
	done  chan struct{}
	by    string // the case that performed it
	took  time.Duration
	value any
	err   string // why it did not complete, when it did not
}

// Run runs one case. A case that needs a capability the target lacks, or a
// bigger topology, is skipped with the reason; a case cut short by its
// timeout or by the end of ctx is errored with what it was doing.
func (s *Session) Run(ctx context.Context, c Case) verdict.Result { return s.run(ctx, c, s.plants) }

// run runs c with the plants p.
func (s *Session) run(ctx context.Context, c Case, p plants) verdict.Result {
	t := &T{Target: s.tgt, session: s, c: c, id: c.ID(), plants: p}
	for _, need := range c.Needs {
		if why := s.tgt.Abilities().Lacks(need); why != "" {
			t.skip = fmt.Sprintf("target %q cannot %s: %s", s.tgt.Name(), need.Doing(), why)
			return t.result(c, 0)
		}
	}
	if why := c.topologyGap(s.tgt.Topology()); why != "" {
		t.skip = why
		return t.result(c, 0)
	}
	if c.Slow && s.profile == verdict.Quick {
		t.skip = "slow: it waits minutes on RocketMQ's timers, and the quick profile skips it; run it with --profile full"
		return t.result(c, 0)
	}
	if c.AfterReports {
		r := t.result(c, 0)
		r.Status, r.Observed = verdict.Pending, "judged once the reports are written"
		return r
	}
	if err := ctx.Err(); err != nil {
		t.errored = "not run: the run was interrupted (" + err.Error() + ")"
		return t.result(c, 0)
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	timeout += time.Duration(c.Recreations) * s.recreation
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t.ctx = cctx
	t.starve = watchStarvation(s.tgt)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer t.finish()
		defer func() {
			if v := recover(); v != nil {
				t.mu.Lock()
				t.errored = fmt.Sprintf("the case panicked: %v", v)
				t.mu.Unlock()
			}
		}()
		c.Run(cctx, t)
	}()
	select {
	case <-done:
	case <-cctx.Done():
		// Give the case a moment to notice the cancellation and record
		// what it was waiting for.
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
	if cctx.Err() != nil {
		if ctx.Err() != nil {
			t.cutShort("interrupted (" + ctx.Err().Error() + ")")
		} else {
			t.cutShort(fmt.Sprintf("did not finish within its timeout of %s", timeout))
		}
	}
	t.starve.stop()
	return t.result(c, time.Since(start))
}

// sharedFault is a fault several cases judge (one master kill is judged by
// failover/kill-master, failover/read-from-slave and
// failover/other-shards-write): the first of them to run performs it, and
// every one judges the same record. perform runs in the performing case's
// goroutine; it must return its observations rather than judge them.
type sharedFault[V any] struct {
	name    string
	perform func(*T, context.Context) V
}

// of returns the observations of f, performing it in this case when no
// case of the session has. When perform does not return (it ended its
// case), the cases after it are errored: a fault run is never performed
// twice.
func (f sharedFault[V]) of(ctx context.Context, t *T) V {
	s := t.session
	s.mu.Lock()
	r, ok := s.shared[f.name]
	if !ok {
		r = &sharedRun{done: make(chan struct{}), by: t.id}
		s.shared[f.name] = r
	}
	s.mu.Unlock()
	if ok {
		<-r.done
		if r.err != "" {
			t.Erroredf("%s", r.err)
		}
		t.Logf("judged from the %s performed during %s (%s)", f.name, r.by, r.took.Round(100*time.Millisecond))
		return r.value.(V)
	}
	start := time.Now()
	completed := false
	defer func() {
		r.took = time.Since(start)
		if !completed {
			r.err = fmt.Sprintf("the %s did not complete in %s: %s", f.name, t.id, t.why())
		}
		close(r.done)
	}()
	v := f.perform(t, ctx)
	r.value = v
	completed = true
	return v
}
