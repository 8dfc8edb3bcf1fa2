package runner

import (
	"context"
	"time"

	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// SetupCase is the ID of the testcase that says whether the target could
// be set up at all.
const SetupCase = "setup/target"

// setupPromise is setup/target's promise, the same for every command and
// the harness.
const setupPromise = "The target is ready: its RocketMQ cluster (or its object dump) can be checked."

// Setup is what a caller knows once it tried to bring its target up.
type Setup struct {
	// Label names the target in the report: local, kube or audit.
	Label string
	// Topology is what the manifest asks for: the report's shape when the
	// target never came up (the target's own replaces it otherwise).
	Topology scenarios.Topology
	// Cases is the selection: every one of them is in the report, those
	// that did not run saying why.
	Cases []scenarios.Case
	// Profile is quick or full.
	Profile verdict.Profile
	// Requested is the RocketMQ server version asked for; "" for the
	// pinned one.
	Requested string
	// Began is when setting the target up began: the run's start, and
	// the start of setup/target's duration.
	Began time.Time
	// Target is the target that came up; nil when Err is set.
	Target *Target
	// Err is why the target could not be set up, with LogTail the end of
	// the log that says more, and Collect (nil for none) writing the
	// diagnostics of what did come up into a folder.
	Err     error
	LogTail string
	Collect func(ctx context.Context, dir string) error
}

// setupResult is setup/target: passed with the startup time and the
// target's evidence, or errored with the setup error.
func (s Setup) setupResult(took time.Duration) verdict.Result {
	r := reports.Setup(SetupCase, setupPromise, took, s.Err, s.LogTail)
	if s.Err != nil {
		return r
	}
	r.Figures = []verdict.Figure{{Name: "startup", Value: float64(took.Milliseconds()), Unit: "ms"}}
	if s.Target != nil {
		r.Evidence = s.Target.Evidence
	}
	return r
}
