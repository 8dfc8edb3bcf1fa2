package scenarios

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAwaitConfigRetries: a broker thawed or started a moment ago may
// miss a request or two; its config is what the first answer says, and a
// broker that never answers is reported with its last request's error.
func TestAwaitConfigRetries(t *testing.T) {
	refused := errors.New("connection refused")
	calls := 0
	cfg, err := awaitConfig(context.Background(), "the config of b", time.Minute, func(context.Context) (map[string]string, error) {
		if calls++; calls < 3 {
			return nil, refused
		}
		return map[string]string{"brokerId": "0"}, nil
	})
	if err != nil || cfg["brokerId"] != "0" || calls != 3 {
		t.Fatalf("answered on the third request: got %v, %v after %d requests", cfg, err, calls)
	}
	_, err = awaitConfig(context.Background(), "the config of b", time.Second, func(context.Context) (map[string]string, error) { return nil, refused })
	if err == nil || !strings.Contains(err.Error(), "the last request: connection refused") {
		t.Fatalf("never answered: %v, want the last request's error", err)
	}
}
