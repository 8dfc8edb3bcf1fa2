package scenarios

import (
	"fmt"
	"time"
)

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

// SessionOption configures a Session.
type SessionOption func(*Session)

// WithProfile runs the session in profile p.
func WithProfile(p Profile) SessionOption {
	return func(s *Session) { s.profile = p }
}

// WithRecreationAllowance gives every case d more time per broker or
// namesrv recreation it waits for (Case.Recreations): case timeouts are
// set for the local target, which brings a killed process back in
// seconds, while a platform recreates a pod and starts its JVM in its own
// time (measured on kind: 87 to 94 s until a killed broker registered
// again).
func WithRecreationAllowance(d time.Duration) SessionOption {
	return func(s *Session) { s.recreation = d }
}
