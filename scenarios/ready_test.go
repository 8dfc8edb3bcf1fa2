package scenarios

import (
	"testing"
	"time"
)

// The wait for readiness ends the startup bound after the Cluster's
// creation, but gives a Cluster created long ago a minute, and never more
// than the bound from the wait's start.
func TestReadyDeadline(t *testing.T) {
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const bound = 10 * time.Minute
	for _, tc := range []struct {
		name    string
		created time.Time
		bound   time.Duration
		want    time.Time
	}{
		{"just created", start.Add(-30 * time.Second), bound, start.Add(bound - 30*time.Second)},
		{"created long ago", start.Add(-24 * time.Hour), bound, start.Add(time.Minute)},
		{"created 9.5 min ago", start.Add(-570 * time.Second), bound, start.Add(time.Minute)},
		{"no creation time", time.Time{}, bound, start.Add(bound)},
		{"a dump", start.Add(-time.Hour), 0, start},
		{"a bound under a minute", start.Add(-time.Hour), 20 * time.Second, start.Add(20 * time.Second)},
	} {
		if got := readyDeadline(tc.created, start, tc.bound); !got.Equal(tc.want) {
			t.Errorf("%s: deadline %s after the start, want %s", tc.name, got.Sub(start), tc.want.Sub(start))
		}
	}
}
