package verdict

import "testing"

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		statuses []Status
		want     int
	}{
		{nil, 0},
		{[]Status{Passed, Skipped}, 0},
		{[]Status{Passed, Failed}, 1},
		{[]Status{Failed, Errored}, 2},
		{[]Status{Passed, Pending}, 2},
	} {
		var run Run
		for _, s := range tc.statuses {
			run.Results = append(run.Results, Result{Status: s})
		}
		if got := run.ExitCode(); got != tc.want {
			t.Errorf("%v: exit code %d, want %d", tc.statuses, got, tc.want)
		}
	}
}
