package scenarios

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/rmqkb/conformance/internal/remoting"
)

// T records one case's verdict and evidence. Like testing.T, Fatalf and
// Skipf end the case's goroutine; Errorf records a failure and goes on. It is
// safe for concurrent use by the goroutines a case starts.
type T struct {
	Target Target
	// ctx is the case's context. A failure recorded once it has ended is
	// not an observation of the target but the echo of an interruption or
	// of the case's own timeout (a wait that returned "context canceled"),
	// so it makes the case errored, never failed.
	ctx     context.Context
	session *Session
	id      string // the case's ID

	mu       sync.Mutex
	failures []string
	aborted  []string // failures recorded after ctx ended
	skip     string
	errored  string
	evidence []string
	figures  []Figure
	logTail  string
	rc       *remoting.Client
	cleanups []func()
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
	t.figures = append(t.figures, Figure{Name: name, Value: value, Unit: unit})
}

// Errorf records that the promise did not hold, and goes on. Once the
// case's context has ended, what it records is kept as what the case was
// doing when it was cut short, not as a failure.
func (t *T) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ctx != nil && t.ctx.Err() != nil {
		t.aborted = append(t.aborted, msg)
		return
	}
	t.failures = append(t.failures, msg)
}

// Fatalf records a failed promise and ends the case.
func (t *T) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	runtime.Goexit()
}

// Erroredf ends the case without a verdict: the environment or the suite
// itself broke (a client that cannot start, a setup step that failed).
func (t *T) Erroredf(format string, args ...any) {
	t.markErrored(format, args...)
	runtime.Goexit()
}

// markErrored is Erroredf without ending the case, for a deferred step
// (restoring the Cluster) that runs while the case ends anyway.
func (t *T) markErrored(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.errored == "" {
		t.errored = fmt.Sprintf(format, args...)
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
		return t.failures[len(t.failures)-1]
	case len(t.aborted) > 0:
		return t.aborted[len(t.aborted)-1]
	}
	return "it ended early"
}

// result turns what was recorded into a Result.
func (t *T) result(c Case, d time.Duration) Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := Result{
		ID: c.ID(), Suite: c.Suite, Case: c.Name,
		Promise: c.Promise, Description: c.Description,
		Duration: d, Evidence: t.evidence, Figures: t.figures, LogTail: t.logTail,
	}
	switch {
	case t.errored != "":
		r.Status, r.Observed = Errored, t.errored
	case len(t.failures) > 0:
		r.Status, r.Observed = Failed, strings.Join(t.failures, "\n")
	case len(t.aborted) > 0:
		r.Status, r.Observed = Errored, "cut short; it was "+strings.Join(t.aborted, "; ")
	case t.skip != "":
		r.Status, r.Observed = Skipped, t.skip
	default:
		r.Status = Passed
	}
	return r
}
