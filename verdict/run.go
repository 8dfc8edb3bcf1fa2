package verdict

import (
	"time"

	"github.com/rmqkb/conformance/internal/topology"
)

// Run is one whole execution: what ran where, and every case's result.
type Run struct {
	Target       string            `json:"target"`
	Version      string            `json:"rocketmq_version"` // the server version the target runs
	Topology     topology.Topology `json:"topology"`
	SuiteVersion string            `json:"suite_version"`
	Properties   map[string]string `json:"properties,omitempty"` // extra report properties
	Started      time.Time         `json:"started"`
	Duration     time.Duration     `json:"duration_ns"`
	Results      []Result          `json:"results"`
	// Steps is the time spent in no case: each suite's setup performing
	// a fault several of its cases judge. With the results and the rest
	// (Unaccounted) it is the run's whole wall time.
	Steps []Step `json:"steps,omitempty"`
}

// Step is one piece of a run's time outside any case: a shared fault a
// suite's setup performed (Name says which), before the suite's cases.
type Step struct {
	Suite    string        `json:"suite"`
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// StepsOf is the steps of suite.
func (r Run) StepsOf(suite string) []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Suite == suite {
			out = append(out, s)
		}
	}
	return out
}

// Unaccounted is the run's wall time that neither a case nor a step
// holds: starting and finishing the run, writing the reports. Zero when
// the run's duration is not known.
func (r Run) Unaccounted() time.Duration {
	rest := r.Duration
	for _, res := range r.Results {
		rest -= res.Duration
	}
	for _, s := range r.Steps {
		rest -= s.Duration
	}
	return max(rest, 0)
}

// Counts tallies the results by status.
func (r Run) Counts() map[Status]int {
	n := map[Status]int{}
	for _, res := range r.Results {
		n[res.Status]++
	}
	return n
}

// ExitCode maps a run to the CLI contract: 0 when nothing failed (skips
// allowed), 1 when a check failed, 2 when something errored or was never
// judged.
func (r Run) ExitCode() int {
	n := r.Counts()
	switch {
	case n[Errored] > 0 || n[Pending] > 0:
		return 2
	case n[Failed] > 0:
		return 1
	}
	return 0
}
