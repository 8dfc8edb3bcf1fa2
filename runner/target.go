package runner

import (
	"context"
	"time"

	"github.com/rmqkb/conformance/target"
	"github.com/rmqkb/conformance/verdict"
)

// Target is a target that is up, with what the report says about it: the
// caller brings it up and tears it down, the runner only reads it.
type Target struct {
	// Target is the target itself; the cases see it, never the Target
	// around it.
	target.Target
	// ServiceVersion is the RocketMQ version the Cluster asks for: the
	// report's version when the brokers cannot be asked.
	ServiceVersion string
	// Evidence is the setup testcase's evidence.
	Evidence []string
	// Props are extra report properties (kube.host, audit.from).
	Props map[string]string
	// Collect writes diagnostics into a folder when the run did not pass;
	// nil when the target has none to give.
	Collect func(ctx context.Context, dir string) error
	// Recreation is more case time per recreation
	// (scenarios.WithRecreationAllowance).
	Recreation time.Duration
	// Startup is how long cluster/ready waits for the platform to bring
	// the Cluster up (scenarios.WithStartupAllowance).
	Startup time.Duration
}

// secrets is where the reports read the values no written file may hold:
// the target's means for the Secrets capability, else none
// (accounts/no-leak is then skipped by the session).
func (t *Target) secrets() func(context.Context) ([]verdict.Secret, error) {
	if t == nil {
		return nil
	}
	src := t.Abilities().Secrets
	if src == nil {
		return nil
	}
	return src.Secrets
}

// collect is the target's diagnostics collector, nil for none.
func (t *Target) collect() func(context.Context, string) error {
	if t == nil {
		return nil
	}
	return t.Collect
}
