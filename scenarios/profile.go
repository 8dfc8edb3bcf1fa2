package scenarios

import "fmt"

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
