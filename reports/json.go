package reports

import (
	"bytes"
	"encoding/json"

	"github.com/rmqkb/conformance/verdict"
)

// Counts tallies a run's results by status; it always has every status so
// tools need not treat a missing key as zero.
type Counts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Errored int `json:"errored"`
}

// Document is the JSON report: the run as it is, plus the counts and the
// exit code the CLI returns, so tools need not recompute either.
type Document struct {
	verdict.Run
	Counts   Counts `json:"counts"`
	ExitCode int    `json:"exit_code"`
}

// NewDocument wraps run for the JSON report.
func NewDocument(run verdict.Run) Document {
	if run.Results == nil {
		// An empty run is "results": [], not null.
		run.Results = []verdict.Result{}
	}
	n := run.Counts()
	return Document{
		Run: run,
		Counts: Counts{
			Total:   len(run.Results),
			Passed:  n[verdict.Passed],
			Failed:  n[verdict.Failed],
			Skipped: n[verdict.Skipped],
			Errored: n[verdict.Errored],
		},
		ExitCode: run.ExitCode(),
	}
}

// JSON renders the JSON report with two-space indentation. HTML escaping is
// off: the file is read by people and tools, never embedded in a page, and
// "<none>" reads better than "\u003cnone\u003e".
func JSON(run verdict.Run) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewDocument(run)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
