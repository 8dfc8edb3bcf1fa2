package scenarios

import (
	"fmt"
	"github.com/rmqkb/conformance/internal/remoting"
	"runtime"
	"strings"
	"sync"
	"time"
)

// T records one case's verdict and evidence. Like testing.T, Fatalf and
// Skipf end the case's goroutine; Errorf records a failure and goes on. It is
// safe for concurrent use by the goroutines a case starts.
type T struct {
	Target Target
	// prior holds the results of the cases run before this one, so
	// accounts/no-leak can search what the reports will contain.
	prior []Result

	mu       sync.Mutex
	failures []string
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

// Errorf records that the promise did not hold, and goes on.
func (t *T) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = append(t.failures, fmt.Sprintf(format, args...))
}

// Fatalf records a failed promise and ends the case.
func (t *T) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	runtime.Goexit()
}

// Erroredf ends the case without a verdict: the environment or the suite
// itself broke (a client that cannot start, a setup step that failed).
func (t *T) Erroredf(format string, args ...any) {
	t.mu.Lock()
	t.errored = fmt.Sprintf(format, args...)
	t.mu.Unlock()
	runtime.Goexit()
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
	case t.skip != "":
		r.Status, r.Observed = Skipped, t.skip
	default:
		r.Status = Passed
	}
	return r
}
