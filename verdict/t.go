package verdict

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// T is what a case reports through. Like testing.T, Fatalf and Skipf end
// the case's goroutine; Errorf records a failure and goes on. It is safe
// for concurrent use by the goroutines a case starts. The runner holds
// the other side of it (Record).
type T struct{ r *Record }

// Context is the case's context: it ends when the case's timeout passes or
// the run is interrupted.
func (t *T) Context() context.Context { return t.r.ctx }

// Cleanup registers f to run when the case ends, last registered first.
func (t *T) Cleanup(f func()) {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	t.r.cleanups = append(t.r.cleanups, f)
}

// Logf adds a line of evidence.
func (t *T) Logf(format string, args ...any) {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	t.r.evidence = append(t.r.evidence, fmt.Sprintf(format, args...))
}

// Figure records a measured number.
func (t *T) Figure(name string, value float64, unit string) {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	t.r.figures = append(t.r.figures, Figure{Name: name, Value: value, Unit: unit})
}

// Waited records, as a figure in ms, a wait of d on a RocketMQ timer:
// what the report lists as time the protocol, not the suite, took.
func (t *T) Waited(name string, d time.Duration, timer string) {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	t.r.figures = append(t.r.figures, Figure{Name: name, Value: float64(d.Milliseconds()), Unit: "ms", Timer: timer})
}

// Errorf records that clause c of the promise did not hold, and goes on.
// Once the case's context has ended, what it records is kept as what the
// case was doing when it was cut short, not as a failure. A clause the
// case does not declare is a defect of the suite: the case is errored
// naming it, never failed on a clause no report lists.
func (t *T) Errorf(c Clause, format string, args ...any) {
	t.r.find(&t.r.failures, c, fmt.Sprintf(format, args...))
}

// Fatalf records that clause c did not hold and ends the case.
func (t *T) Fatalf(c Clause, format string, args ...any) {
	t.Errorf(c, format, args...)
	runtime.Goexit()
}

// Inconclusivef records that timing clause c was exceeded while the
// machine starved a process it depends on: no verdict on c, with the
// figures that show it. A clause that failed outright still fails the
// case; one only inconclusive errors it.
func (t *T) Inconclusivef(c Clause, format string, args ...any) {
	t.r.find(&t.r.inconclusive, c, fmt.Sprintf(format, args...))
}

// Erroredf ends the case without a verdict: the environment or the suite
// itself broke (a client that cannot start, a setup step that failed).
func (t *T) Erroredf(format string, args ...any) {
	t.r.Error(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// NoteErroredf is Erroredf without ending the case, for a deferred step
// (restoring the Cluster) that runs while the case ends anyway.
func (t *T) NoteErroredf(format string, args ...any) {
	t.r.Error(fmt.Sprintf(format, args...))
}

// Skipf ends the case as skipped, with the reason.
func (t *T) Skipf(format string, args ...any) {
	t.r.Skip(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// LogTail attaches the end of a process log to the result.
func (t *T) LogTail(s string) {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	t.r.logTail = s
}
