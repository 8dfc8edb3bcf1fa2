package wait

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestUntilHolds(t *testing.T) {
	n := 0
	err := Until(context.Background(), time.Millisecond, "n to reach 3", func(context.Context) (bool, string, error) {
		n++
		return n >= 3, "", nil
	})
	if err != nil || n != 3 {
		t.Fatalf("Until: err %v after %d calls, want nil after 3", err, n)
	}
}

func TestUntilTimeoutSaysWhatAndWhy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := Until(ctx, 5*time.Millisecond, "the broker", func(context.Context) (bool, string, error) {
		return false, "not registered", nil
	})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the broker") || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("got %v, want a deadline error naming what and the last reason", err)
	}
}

func TestUntilStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	err := Until(context.Background(), time.Millisecond, "x", func(context.Context) (bool, string, error) { return false, "", boom })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}

// TestUntilKeepsTheLastRealObservation: the call the deadline cuts short
// (here, the third, during which the context ends) says nothing about the
// condition; the error carries what the call before it saw.
func TestUntilKeepsTheLastRealObservation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := Until(ctx, time.Millisecond, "slave", func(ctx context.Context) (bool, string, error) {
		n++
		if n == 3 {
			cancel()
			return false, "i/o timeout", nil
		}
		return false, fmt.Sprintf("slave 0 bytes, master %d", n), nil
	})
	if err == nil || !strings.Contains(err.Error(), "master 2") || strings.Contains(err.Error(), "i/o timeout") {
		t.Fatalf("got %v, want the last observation made before the deadline (master 2)", err)
	}
}

// TestReasonOfACallCutShort: client-go's rate limiter refuses a request
// that would wait past the deadline before the context ends; Reason reads
// that, and the context's own errors, as no observation, and Until then
// keeps the real one (the flake in restarting_test: "not recreated yet"
// replaced by the limiter's error).
func TestReasonOfACallCutShort(t *testing.T) {
	limiter := fmt.Errorf("client rate limiter Wait returned an error: %w", errors.New("rate: Wait(n=1) would exceed context deadline"))
	for _, err := range []error{nil, limiter, context.DeadlineExceeded, fmt.Errorf("get pod: %w", context.Canceled)} {
		if r := Reason(err); r != "" {
			t.Errorf("Reason(%v) = %q, want none", err, r)
		}
	}
	if r := Reason(errors.New(`pods "x" is forbidden`)); r != `pods "x" is forbidden` {
		t.Errorf("Reason of a real error = %q, want the error", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := Until(ctx, time.Millisecond, "pod x", func(context.Context) (bool, string, error) {
		n++
		switch n {
		case 1:
			return false, "not recreated yet", nil
		case 2: // refused before the context ends
			return false, Reason(limiter), nil
		}
		cancel()
		return false, Reason(context.Canceled), nil
	})
	if err == nil || !strings.Contains(err.Error(), "not recreated yet") {
		t.Fatalf("got %v, want the observation before the limiter's refusal", err)
	}
}
