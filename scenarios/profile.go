package scenarios

import (
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// SessionOption configures a Session.
type SessionOption func(*Session)

// WithProfile runs the session in profile p.
func WithProfile(p verdict.Profile) SessionOption {
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

// WithStartupAllowance is how long a Startup case (cluster/ready) waits
// for the platform to bring the Cluster up: Running, every pod Ready,
// the role labels settled. It is 0 where nothing is brought up by a
// platform (a dump is judged as it is).
func WithStartupAllowance(d time.Duration) SessionOption {
	return func(s *Session) { s.startup = d }
}

// WithProgress gives a case that waits long (cluster/ready) a line to say
// what it waits for, now and then.
func WithProgress(say func(format string, args ...any)) SessionOption {
	return func(s *Session) { s.say = say }
}
