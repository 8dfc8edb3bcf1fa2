package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
	"github.com/rmqkb/conformance/scenarios/history"
	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// T records one case's verdict and evidence. Like testing.T, Fatalf and
// Skipf end the case's goroutine; Errorf records a failure and goes on. It is
// safe for concurrent use by the goroutines a case starts.
type T struct {
	Target target.Target
	// ctx is the case's context. A failure recorded once it has ended is
	// not an observation of the target but the echo of an interruption or
	// of the case's own timeout (a wait that returned "context canceled"),
	// so it makes the case errored, never failed.
	ctx     context.Context
	session *Session
	c       Case
	id      string // the case's ID
	plants  plants // the faults a test planted at the suite's edge; zero in a real run

	mu           sync.Mutex
	failures     []finding
	inconclusive []finding // timing clauses exceeded while the machine starved a process
	aborted      []string  // failures recorded after ctx ended
	skip         string
	errored      string
	evidence     []string
	figures      []verdict.Figure
	logTail      string
	rc           *remoting.Client
	cleanups     []func()
	sends        []*history.History // every history the case sent through, for its warnings
	starve       *starvation        // what the machine withheld from the judged processes
}

// finding is one failed (or inconclusive) clause and what was seen.
type finding struct {
	clause string // the clause's ID within the case
	text   string
}

// Cleanup registers f to run when the case ends, last registered first.
func (t *T) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// finish runs the cleanups and closes the case's clients.
func (t *T) finish() {
	t.mu.Lock()
	cs, rc := t.cleanups, t.rc
	t.cleanups, t.rc = nil, nil
	t.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	if rc != nil {
		rc.Close()
	}
}

// Logf adds a line of evidence.
func (t *T) Logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.evidence = append(t.evidence, fmt.Sprintf(format, args...))
}

// Figure records a measured number.
func (t *T) Figure(name string, value float64, unit string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.figures = append(t.figures, verdict.Figure{Name: name, Value: value, Unit: unit})
}

// Errorf records that clause c of the promise did not hold, and goes on.
// Once the case's context has ended, what it records is kept as what the
// case was doing when it was cut short, not as a failure. A clause the
// case does not declare is a defect of the suite: the case is errored
// naming it, never failed on a clause no report lists.
func (t *T) Errorf(c verdict.Clause, format string, args ...any) {
	t.find(&t.failures, c, fmt.Sprintf(format, args...))
}

// Fatalf records that clause c did not hold and ends the case.
func (t *T) Fatalf(c verdict.Clause, format string, args ...any) {
	t.Errorf(c, format, args...)
	runtime.Goexit()
}

// Inconclusivef records that timing clause c was exceeded while the
// machine starved a process it depends on: no verdict on c, with the
// figures that show it. A clause that failed outright still fails the
// case; one only inconclusive errors it.
func (t *T) Inconclusivef(c verdict.Clause, format string, args ...any) {
	t.find(&t.inconclusive, c, fmt.Sprintf(format, args...))
}

// find adds what was found of clause c to into, as Errorf describes.
func (t *T) find(into *[]finding, c verdict.Clause, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.ctx != nil && t.ctx.Err() != nil:
		t.aborted = append(t.aborted, msg)
	case !t.c.declares(c.ID):
		if t.errored == "" {
			t.errored = fmt.Sprintf("suite defect: %s judged clause %q, which it does not declare: %s", t.id, c.ID, msg)
		}
	default:
		*into = append(*into, finding{c.ID, msg})
	}
}

// Erroredf ends the case without a verdict: the environment or the suite
// itself broke (a client that cannot start, a setup step that failed).
func (t *T) Erroredf(format string, args ...any) {
	t.markErrored(format, args...)
	runtime.Goexit()
}

// markErrored is Erroredf without ending the case, for a deferred step
// (restoring the Cluster) that runs while the case ends anyway. Once the
// case's context has ended, what it records is what the case was doing
// when it was cut short: the interruption is the reason.
func (t *T) markErrored(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.ctx != nil && t.ctx.Err() != nil:
		t.aborted = append(t.aborted, msg)
	case t.errored == "":
		t.errored = msg
	}
}

// Skipf ends the case as skipped, with the reason.
func (t *T) Skipf(format string, args ...any) {
	t.mu.Lock()
	t.skip = fmt.Sprintf(format, args...)
	t.mu.Unlock()
	runtime.Goexit()
}

// LogTail attaches the end of a process log to the result.
func (t *T) LogTail(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.logTail = s
}

// cutShort records why the case ended without finishing: the run was
// interrupted or the case outlived its timeout. It does nothing when the
// case already observed a broken promise: that verdict stands.
func (t *T) cutShort(why string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.errored != "" || len(t.failures) > 0 {
		return
	}
	if len(t.aborted) > 0 {
		why += "; it was " + strings.Join(t.aborted, "; ")
	}
	t.errored = why
}

// why says what ended the case early, for the cases that share its work.
func (t *T) why() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.errored != "":
		return t.errored
	case len(t.failures) > 0:
		return t.failures[len(t.failures)-1].text
	case len(t.aborted) > 0:
		return t.aborted[len(t.aborted)-1]
	}
	return "it ended early"
}

// result turns what was recorded into a Result.
func (t *T) result(c Case, d time.Duration) verdict.Result {
	t.reportWarnedAcks()
	t.mu.Lock()
	defer t.mu.Unlock()
	r := verdict.Result{
		ID: c.ID(), Suite: c.Suite, Case: c.Name,
		Promise: c.Promise, Description: c.Description,
		Duration: d, Evidence: t.evidence, Figures: t.figures, LogTail: t.logTail,
		FailedClauses: clauseIDs(c, t.failures), InconclusiveClauses: clauseIDs(c, t.inconclusive),
	}
	if t.starve != nil {
		r.Starvation = t.starve.summary()
	}
	switch {
	case t.errored != "":
		r.Status, r.Observed = verdict.Errored, t.errored
	case len(t.failures) > 0:
		r.Status, r.Observed = verdict.Failed, findingLines(t.failures)
		if len(t.inconclusive) > 0 {
			r.Evidence = append(r.Evidence, "inconclusive: "+findingLines(t.inconclusive))
		}
	case len(t.aborted) > 0:
		r.Status, r.Observed = verdict.Errored, "cut short; it was "+strings.Join(t.aborted, "; ")
	case len(t.inconclusive) > 0:
		r.Status, r.Observed = verdict.Errored, "inconclusive: the machine starved what a timing clause depends on\n"+findingLines(t.inconclusive)
	case t.skip != "":
		r.Status, r.Observed = verdict.Skipped, t.skip
	default:
		r.Status = verdict.Passed
	}
	if r.Status != verdict.Failed {
		r.FailedClauses = nil
	}
	return r
}

// clauseIDs lists the full IDs of the clauses fs name, sorted, once each.
func clauseIDs(c Case, fs []finding) []string {
	var out []string
	for _, f := range fs {
		id := verdict.ClauseID(c.ID(), f.clause)
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
