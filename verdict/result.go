package verdict

import (
	"fmt"
	"time"
)

// Figure is a measured number a case reports (lag, window, duration).
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Timer names the RocketMQ timer a duration waited on (a broker's
	// registration period, a slave's topic sync), when it did: the run
	// cannot be faster than that timer allows, and the report says so.
	Timer string `json:"timer,omitempty"`
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

// Starvation is how much the machine withheld the CPU during a case:
// what its reports show beside the verdict.
type Starvation struct {
	// CPUPressure and IOPressure are the shares of the case's wall time
	// during which at least one task of the machine waited for a CPU,
	// for I/O (/proc/pressure, "some"), in percent; -1 where unreadable.
	CPUPressure float64 `json:"cpu_pressure_pct"`
	IOPressure  float64 `json:"io_pressure_pct"`
	// MostStarved is the judged process that waited longest for a CPU,
	// and MostStarvedWait that wait as a percentage of the case's wall
	// time (summed over its threads); empty where the target has no
	// process table.
	MostStarved     string  `json:"most_starved,omitempty"`
	MostStarvedWait float64 `json:"most_starved_wait_pct,omitempty"`
}

// String is the pressure in a report's table cell.
func (s *Starvation) String() string {
	if s == nil {
		return ""
	}
	out := fmt.Sprintf("cpu %s io %s", Percent(s.CPUPressure), Percent(s.IOPressure))
	if s.MostStarved != "" {
		out += fmt.Sprintf("; %s waited %.0f%%", s.MostStarved, s.MostStarvedWait)
	}
	return out
}

// Percent writes a share in percent, or n/a for -1 (unreadable).
func Percent(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", v)
}
