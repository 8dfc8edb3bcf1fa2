package wait

import (
	"context"
	"errors"
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

func TestUntilKeepsTheLastRealObservation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := Until(ctx, 5*time.Millisecond, "slave", func(ctx context.Context) (bool, string, error) {
		<-time.After(time.Millisecond)
		if ctx.Err() != nil {
			return false, "i/o timeout", nil
		}
		return false, "slave 0 bytes, master 100", nil
	})
	if err == nil || !strings.Contains(err.Error(), "master 100") {
		t.Fatalf("got %v, want the last observation made before the deadline", err)
	}
}
