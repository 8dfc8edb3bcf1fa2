// Package wait polls an observable condition until it holds or a deadline
// passes. It is how the suite waits: never a bare sleep where a condition
// can be observed.
package wait

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Until calls cond every interval until it returns true, returns an error, or
// ctx ends. On timeout the error says what was awaited and, when cond gave
// one, the last reason it was not yet true.
func Until(ctx context.Context, interval time.Duration, what string, cond func(ctx context.Context) (bool, string, error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last string
	for {
		ok, why, err := cond(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		// A reason from a call the deadline cut short (or that Reason found
		// to say nothing) says nothing about the condition; keep the last
		// real observation.
		if (ctx.Err() == nil && why != "") || last == "" {
			last = why
		}
		select {
		case <-ctx.Done():
			if last != "" {
				return fmt.Errorf("waiting for %s: %w (last seen: %s)", what, ctx.Err(), last)
			}
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// Reason is what a failed observation says about the condition, for a
// cond's reason: nothing when the call was cut short by the caller's own
// deadline (a context error, or client-go's rate limiter refusing to wait
// past it), so that Until keeps the last real observation instead; and
// nothing for no error.
func Reason(err error) string {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		strings.Contains(err.Error(), "would exceed context deadline") {
		return ""
	}
	return err.Error()
}
