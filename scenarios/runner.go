package scenarios

import (
	"context"
	"fmt"
	"time"
)

// Progress receives a line when a case starts and when it ends, so a long run
// shows where it is.
type Progress interface {
	CaseStarted(c Case)
	CaseDone(r Result)
}

// Execute runs cases on tgt, one after another, and returns their results in
// order. A case that needs a capability the target lacks is skipped with the
// target's reason; a case that outlives its timeout is errored, and its
// context is cancelled so it stops.
func Execute(ctx context.Context, tgt Target, cases []Case, p Progress) []Result {
	var out []Result
	for _, c := range cases {
		if p != nil {
			p.CaseStarted(c)
		}
		r := executeOne(ctx, tgt, c, out)
		if p != nil {
			p.CaseDone(r)
		}
		out = append(out, r)
	}
	return out
}

func executeOne(ctx context.Context, tgt Target, c Case, prior []Result) Result {
	t := &T{Target: tgt, prior: prior}
	start := time.Now()
	for _, need := range c.Needs {
		if why := tgt.Lacks(need); why != "" {
			t.skip = fmt.Sprintf("target %q cannot %s: %s", tgt.Name(), need.Doing(), why)
			return t.result(c, 0)
		}
	}
	if err := ctx.Err(); err != nil {
		t.errored = "not run: the run was interrupted (" + err.Error() + ")"
		return t.result(c, 0)
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
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
		// Give the case a moment to notice the cancellation and record why.
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		t.mu.Lock()
		if t.errored == "" && len(t.failures) == 0 {
			if ctx.Err() != nil {
				t.errored = "interrupted: " + ctx.Err().Error()
			} else {
				t.errored = fmt.Sprintf("did not finish within its timeout of %s", timeout)
			}
		}
		t.mu.Unlock()
	}
	return t.result(c, time.Since(start))
}
