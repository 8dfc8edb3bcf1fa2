package scenarios

import "time"

// Status is the verdict of one case.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"  // the target broke a promise
	Skipped Status = "skipped" // the case could not run on this target; Reason says why
	Errored Status = "errored" // the case or the environment broke before a verdict
	// Pending: an AfterReports case not yet judged. It never counts as a
	// pass; reports.Complete turns it into a verdict.
	Pending Status = "pending"
)

// Figure is a measured number a case reports (lag, window, duration).
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Result is what one case produced. Reports are built from Results alone.
type Result struct {
	ID          string        `json:"id"` // suite/case, the stable contract name
	Suite       string        `json:"suite"`
	Case        string        `json:"case"`
	Promise     string        `json:"promise"`
	Description string        `json:"description,omitempty"`
	Status      Status        `json:"status"`
	Duration    time.Duration `json:"duration_ns"`
	// Observed says what was seen when the promise did not hold, or why the
	// case errored or was skipped.
	Observed string   `json:"observed,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
	Figures  []Figure `json:"figures,omitempty"`
	// LogTail is the end of a failing process's log, for setup errors.
	LogTail string `json:"log_tail,omitempty"`
	// FailedClauses are the full IDs (suite/case#clause) of the clauses a
	// failed case broke, sorted; empty unless Status is Failed.
	FailedClauses []string `json:"failed_clauses,omitempty"`
	// InconclusiveClauses are the timing clauses exceeded while the
	// machine starved a process they depend on: no verdict on them.
	InconclusiveClauses []string `json:"inconclusive_clauses,omitempty"`
	// Starvation is how much the machine withheld the CPU from the
	// processes the case judged, where the target can tell.
	Starvation *Starvation `json:"starvation,omitempty"`
}

// Run is one whole execution: what ran where, and every case's result.
type Run struct {
	Target       string            `json:"target"`
	Version      string            `json:"rocketmq_version"` // the server version the target runs
	Topology     Topology          `json:"topology"`
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
