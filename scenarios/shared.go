package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/scenarios/starvation"
	"github.com/rmqkb/conformance/verdict"
)

// shared is work several cases judge: a fault run (one master kill is
// judged by failover/kill-master, failover/read-from-slave and
// failover/other-shards-write) or a run of sends several cases read. A
// case names it in Case.Shares. A session performs it once, apart from
// every case, in a record of its own: before its suite's cases
// (Session.Prepare, a suite's setup), or else when the first case that
// judges it asks. Each case that judges it gets that record replayed into
// its own, so every one of them shows what it was judged from.
type shared interface {
	sharedName() string
	performAny(ctx context.Context, t *T) any
	topics() []topicAhead
	quiet() bool
	besides() *besideOf
}

// sharedFault is a shared run whose observations are a V. perform must
// return its observations, not judge them: the cases judge.
type sharedFault[V any] struct {
	name    string
	perform func(context.Context, *T) V
	// ahead are the topics perform needs its slaves to know (topicAhead).
	ahead []topicAhead
	// alongside says the run injects no fault and writes only to topics
	// of its own: a suite's setup performs it together with the other
	// such runs of the suite, since none can change what another sees.
	alongside bool
	// beside, when set, lets a suite's setup start the run during
	// another (besideOf).
	beside *besideOf
}

func (f sharedFault[V]) sharedName() string { return f.name }

func (f sharedFault[V]) topics() []topicAhead { return f.ahead }

func (f sharedFault[V]) quiet() bool { return f.alongside }

func (f sharedFault[V]) besides() *besideOf { return f.beside }

func (f sharedFault[V]) performAny(ctx context.Context, t *T) any { return f.perform(ctx, t) }

// of returns the observations of f for case t, performing f first when
// neither a suite's setup nor an earlier case has. What the run recorded
// is replayed into t; a run that did not complete ends t with why.
func (f sharedFault[V]) of(ctx context.Context, t *T) V {
	r := t.session.acquire(ctx, f, t.plants, "during "+t.id, t.clauses)
	r.judgedBy(t)
	return r.value.(V)
}

// sharedRun is one performance of a shared run: where it was performed,
// how long it took, its record, how the machine treated the processes
// meanwhile, and its observations when it completed.
type sharedRun struct {
	name     string
	done     chan struct{}
	where    string // "during failover/kill-master", "in the setup of suite failover"
	took     time.Duration
	rec      *verdict.Record
	watch    *starvation.Watch
	value    any
	complete bool
}

// judgedBy replays the run into case t and gives t the run's starvation
// watch, so that a timing clause exceeded during the run is judged
// against how the machine treated its processes then. A run that did not
// complete ends t.
func (r *sharedRun) judgedBy(t *T) {
	t.Logf("judged from the %s performed %s (%s; machine: %s); what it recorded:", r.name, r.where, r.took.Round(100*time.Millisecond), r.watch.Summary())
	r.rec.Replay(t.T, !r.complete)
	t.mu.Lock()
	t.watches = append(t.watches, r.watch)
	t.mu.Unlock()
	if !r.complete {
		runtime.Goexit()
	}
}

// acquire returns the session's run of w, performing it now, with the
// plants p and within ctx, when nobody has. Whoever comes second waits for
// the first: a shared run is never performed twice.
func (s *Session) acquire(ctx context.Context, w shared, p plants, where string, clauses []verdict.Clause) *sharedRun {
	s.mu.Lock()
	r, ok := s.shared[w.sharedName()]
	if !ok {
		r = &sharedRun{name: w.sharedName(), done: make(chan struct{}), where: where}
		s.shared[w.sharedName()] = r
	}
	s.mu.Unlock()
	if !ok {
		s.performShared(ctx, w, p, r, clauses)
	}
	<-r.done
	return r
}

// performShared performs w into r, in a record that declares clauses and
// every clause of the cases that share it, and closes r.done.
func (s *Session) performShared(ctx context.Context, w shared, p plants, r *sharedRun, clauses []verdict.Clause) {
	defer close(r.done)
	r.rec = verdict.NewRecord(sharedCase(w, clauses))
	t := &T{T: r.rec.T(), Target: s.tgt, rec: r.rec, session: s, id: "the " + r.name, plants: p}
	start := time.Now()
	r.rec.Start(ctx)
	t.starve = starvation.Start(s.tgt)
	r.watch = t.starve
	got := make(chan any, 1)
	perform(ctx, t, func(ctx context.Context, t *T) { got <- w.performAny(ctx, t) })
	if ctx.Err() != nil {
		r.rec.CutShort(fmt.Sprintf("the %s was cut short %s (%v)", r.name, r.where, ctx.Err()))
	}
	t.starve.Stop()
	reportWarnedAcks(t)
	select {
	case r.value = <-got:
		r.complete = true
	default:
	}
	r.took = time.Since(start)
}

// sharedCase is what a shared run's record declares: its name, and the
// clauses of the cases that judge it (those given and those registered),
// since a failure it records is replayed into each of them.
func sharedCase(w shared, clauses []verdict.Clause) verdict.Case {
	c := verdict.Case{Suite: "shared", Name: w.sharedName()}
	for _, k := range registry {
		if k.Shares != nil && k.Shares.sharedName() == w.sharedName() {
			clauses = append(clauses, k.Clauses...)
		}
	}
	for _, cl := range clauses {
		if !c.Declares(cl.ID) {
			c.Clauses = append(c.Clauses, cl)
		}
	}
	return c
}

// Prepare performs, before cases run, every shared run one of them judges
// and may run here (the gate lets it): a suite's setup. Runs that inject
// no fault (alongside) are performed together, the others one at a time,
// after them, except a fault that may start during another (besideOf),
// which starts at its host's cue. Each run is bounded by the longest
// timeout of the cases that judge it. The first suite that does not gate also creates the session's
// topics ahead (createAhead). say reports each run as it starts and ends;
// the steps returned say how long each took, for the reports: runs
// performed together are one step, so a suite's steps add up to its time.
func (s *Session) Prepare(ctx context.Context, cases []Case, say func(format string, args ...any)) []verdict.Step {
	if len(cases) == 0 {
		return nil
	}
	var steps []verdict.Step
	if !slices.ContainsFunc(cases, func(c Case) bool { return c.Gates }) {
		steps = s.createAhead(ctx, cases[0].Suite, say)
	}
	together, alone := s.partition(cases)
	if len(together) > 1 {
		steps = append(steps, s.prepareTogether(ctx, together, cases, say))
	} else {
		alone = append(together, alone...)
	}
	for _, r := range s.pairUp(alone) {
		if r.guest != nil {
			steps = append(steps, s.prepareBeside(ctx, r.run, r.guest, cases, say)...)
			continue
		}
		steps = append(steps, s.prepareOne(ctx, r.run, cases, inSetup, say))
	}
	return steps
}

// partition splits the shared runs cases judge here into those performed
// together (quiet) and the faults, each in the cases' order.
func (s *Session) partition(cases []Case) (together, alone []shared) {
	for _, w := range s.sharedOf(cases) {
		switch {
		case len(s.judgesOf(w, cases)) == 0:
		case w.quiet():
			together = append(together, w)
		default:
			alone = append(alone, w)
		}
	}
	return together, alone
}

// prepareTogether performs the runs ws at the same time and returns one
// step for them all, as long as the longest took.
func (s *Session) prepareTogether(ctx context.Context, ws []shared, cases []Case, say func(format string, args ...any)) verdict.Step {
	start := time.Now()
	var wg sync.WaitGroup
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.sharedName()
		wg.Go(func() { s.prepareOne(ctx, w, cases, inSetup, say) })
	}
	wg.Wait()
	return verdict.Step{Suite: cases[0].Suite, Name: "setup: " + strings.Join(names, " and ") + " (together)", Duration: time.Since(start)}
}

// prepareOne performs w for the cases of cases that judge it, bounded by
// the longest of their timeouts, and returns its step; where says where it
// was performed (inSetup, and the suite).
func (s *Session) prepareOne(ctx context.Context, w shared, cases []Case, where string, say func(format string, args ...any)) verdict.Step {
	judges := s.judgesOf(w, cases)
	var limit time.Duration
	var clauses []verdict.Clause
	for _, c := range judges {
		limit = max(limit, s.timeout(c))
		clauses = append(clauses, c.Clauses...)
	}
	say("performing the %s once, for %s", w.sharedName(), idsOf(judges))
	pctx, cancel := context.WithTimeout(ctx, limit)
	r := s.acquire(pctx, w, s.plants, where+" "+judges[0].Suite, clauses)
	cancel()
	outcome := "was performed"
	if !r.complete {
		outcome = "did not complete"
	}
	say("the %s %s in %s", w.sharedName(), outcome, r.took.Round(100*time.Millisecond))
	return verdict.Step{Suite: judges[0].Suite, Name: "setup: " + w.sharedName(), Duration: r.took}
}

// inSetup is where a suite's setup performs a shared run, before the
// suite's name, as the cases that judge it say.
const inSetup = "in the setup of suite"

// Release forgets the shared runs of cases: a suite's teardown. Their
// records go, and a later Prepare or case performs them anew.
func (s *Session) Release(cases []Case) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.sharedOf(cases) {
		delete(s.shared, w.sharedName())
	}
}

// sharedOf lists, once each and in order, the shared runs cases judge.
func (s *Session) sharedOf(cases []Case) []shared {
	var out []shared
	for _, c := range cases {
		if c.Shares != nil && !slices.ContainsFunc(out, func(w shared) bool { return w.sharedName() == c.Shares.sharedName() }) {
			out = append(out, c.Shares)
		}
	}
	return out
}

// judgesOf lists the cases of cases that judge w and would run here.
func (s *Session) judgesOf(w shared, cases []Case) []Case {
	var out []Case
	for _, c := range cases {
		if c.Shares != nil && c.Shares.sharedName() == w.sharedName() {
			if st, _ := s.gate(context.Background(), c); st == "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// idsOf joins the cases' IDs.
func idsOf(cases []Case) string {
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.ID()
	}
	return strings.Join(ids, ", ")
}
