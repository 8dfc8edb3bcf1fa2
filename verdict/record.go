package verdict

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Record is the runner's side of one case's T: it holds what the case
// recorded, ends it early when the runner must, and turns the record into
// the case's Result.
type Record struct {
	t *T
	c Case
	// ctx is the case's context. A failure recorded once it has ended is
	// not an observation of the target but the echo of an interruption or
	// of the case's own timeout (a wait that returned "context canceled"),
	// so it makes the case errored, never failed.
	ctx context.Context

	mu           sync.Mutex
	failures     []finding
	inconclusive []finding // timing clauses exceeded while the machine starved a process
	aborted      []string  // failures recorded after ctx ended
	skip         string
	errored      string
	evidence     []string
	figures      []Figure
	logTail      string
	cleanups     []func()
}

// finding is one failed (or inconclusive) clause and what was seen.
type finding struct {
	clause string // the clause's ID within the case
	text   string
}

// NewRecord opens the record of case c, whose T reports into it.
func NewRecord(c Case) *Record {
	r := &Record{c: c, ctx: context.Background()}
	r.t = &T{r: r}
	return r
}

// T is the case's side of the record.
func (r *Record) T() *T { return r.t }

// Start gives the case its context, which bounds it.
func (r *Record) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx = ctx
}

// Skip records that the case is skipped, and why.
func (r *Record) Skip(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skip = why
}

// Error records that the case ended without a verdict, unless an error
// is already recorded. Once the case's context has ended, what it records
// is what the case was doing when it was cut short: the interruption is
// the reason.
func (r *Record) Error(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.ctx.Err() != nil:
		r.aborted = append(r.aborted, msg)
	case r.errored == "":
		r.errored = msg
	}
}

// Panicked records that the case panicked with v: that is its verdict,
// whatever it recorded before.
func (r *Record) Panicked(v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errored = fmt.Sprintf("the case panicked: %v", v)
}

// find adds what was found of clause c to into, as T.Errorf describes.
func (r *Record) find(into *[]finding, c Clause, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.ctx.Err() != nil:
		r.aborted = append(r.aborted, msg)
	case !r.c.Declares(c.ID):
		if r.errored == "" {
			r.errored = fmt.Sprintf("suite defect: %s judged clause %q, which it does not declare: %s", r.c.ID(), c.ID, msg)
		}
	default:
		*into = append(*into, finding{c.ID, msg})
	}
}

// Finish runs the case's cleanups, last registered first.
func (r *Record) Finish() {
	r.mu.Lock()
	cs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

// CutShort records why the case ended without finishing: the run was
// interrupted or the case outlived its timeout. It does nothing when the
// case already observed a broken promise: that verdict stands.
func (r *Record) CutShort(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.errored != "" || len(r.failures) > 0 {
		return
	}
	if len(r.aborted) > 0 {
		why += "; it was " + strings.Join(r.aborted, "; ")
	}
	r.errored = why
}

// Result turns what was recorded into the case's Result, d its duration.
func (r *Record) Result(d time.Duration) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.c
	res := Result{
		ID: c.ID(), Suite: c.Suite, Case: c.Name,
		Promise: c.Promise, Description: c.Description,
		Duration: d, Evidence: r.evidence, Figures: r.figures, LogTail: r.logTail,
		FailedClauses: clauseIDs(c, r.failures), InconclusiveClauses: clauseIDs(c, r.inconclusive),
	}
	res.Status, res.Observed = r.status()
	if res.Status == Failed && len(r.inconclusive) > 0 {
		res.Evidence = append(res.Evidence, "inconclusive: "+findingLines(r.inconclusive))
	}
	if res.Status != Failed {
		res.FailedClauses = nil
	}
	return res
}

// status is the verdict the record holds, and what was observed.
func (r *Record) status() (Status, string) {
	switch {
	case r.errored != "":
		return Errored, r.errored
	case len(r.failures) > 0:
		return Failed, findingLines(r.failures)
	case len(r.aborted) > 0:
		return Errored, "cut short; it was " + strings.Join(r.aborted, "; ")
	case len(r.inconclusive) > 0:
		return Errored, "inconclusive: the machine starved what a timing clause depends on\n" + findingLines(r.inconclusive)
	case r.skip != "":
		return Skipped, r.skip
	}
	return Passed, ""
}

// clauseIDs lists the full IDs of the clauses fs name, sorted, once each.
func clauseIDs(c Case, fs []finding) []string {
	var out []string
	for _, f := range fs {
		id := ClauseID(c.ID(), f.clause)
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// findingLines writes one line per finding, led by its clause's ID.
func findingLines(fs []finding) string {
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = "[" + f.clause + "] " + f.text
	}
	return strings.Join(lines, "\n")
}

// Replay copies into t what this record holds: its evidence, figures and
// log tail, each failed and inconclusive clause, and how it ended. A run
// that several cases judge (a fault performed once) is recorded apart and
// replayed into each case that judges it, so each case's report shows
// what it was judged from and fails on what the run found. ended says the
// run did not complete (a fatal failure, an error, a skip ended it): t
// then holds why, and its case cannot go on.
func (r *Record) Replay(into *T, ended bool) {
	r.mu.Lock()
	evidence, figures, tail := slices.Clone(r.evidence), slices.Clone(r.figures), r.logTail
	failures, inconclusive := slices.Clone(r.failures), slices.Clone(r.inconclusive)
	errored, skip, aborted := r.errored, r.skip, slices.Clone(r.aborted)
	r.mu.Unlock()
	for _, e := range evidence {
		into.Logf("%s", e)
	}
	into.r.mu.Lock()
	into.r.figures = append(into.r.figures, figures...)
	into.r.mu.Unlock()
	if tail != "" {
		into.LogTail(tail)
	}
	for _, f := range failures {
		into.r.find(&into.r.failures, Clause{ID: f.clause}, f.text)
	}
	for _, f := range inconclusive {
		into.r.find(&into.r.inconclusive, Clause{ID: f.clause}, f.text)
	}
	switch {
	case errored != "":
		into.r.Error(errored)
	case len(aborted) > 0:
		into.r.Error("cut short; it was " + strings.Join(aborted, "; "))
	case skip != "":
		into.r.Skip(skip)
	case ended && len(failures) == 0:
		into.r.Error("it ended early")
	}
}
