package verdict

import "fmt"

// Suites lists the suite names in contract order.
var Suites = []string{"cluster", "routing", "messaging", "replication", "failover", "operations", "management", "layout", "accounts"}

// NoLeakCase is the name of accounts/no-leak, which judges the files the
// run wrote: the reports complete it (reports.Complete) once they are on
// disk.
const NoLeakCase = "no-leak"

// ClauseNoLeak is accounts/no-leak's one clause.
var ClauseNoLeak = Clause{"no-secret", "no file the run wrote holds a secret"}

// Profile chooses how much of the contract a run covers: quick leaves out
// the slow cases (minutes each, on RocketMQ's own timers), full runs all.
// Interactive runs default to quick; nightly ones (e2e, the harness, the
// CI pipeline) to full.
type Profile string

const (
	Quick Profile = "quick"
	Full  Profile = "full"
)

// ParseProfile reads a --profile value.
func ParseProfile(s string) (Profile, error) {
	switch p := Profile(s); p {
	case Quick, Full:
		return p, nil
	}
	return "", fmt.Errorf("--profile %q: expected quick or full", s)
}
