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
