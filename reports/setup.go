package reports

import (
	"time"

	"github.com/rmqkb/conformance/scenarios"
)

// Setup is the testcase that says whether the target could be set up at
// all; id is "setup/target" for the commands, "pipeline/..." for the CI
// pipeline's own steps. err nil means it passed. A broken environment is
// thus itself a testcase, and a report is never empty.
func Setup(id, promise string, took time.Duration, err error, logTail string) scenarios.Result {
	suite, name := splitID(id)
	r := scenarios.Result{ID: id, Suite: suite, Case: name, Promise: promise, Duration: took, Status: scenarios.Passed}
	if err != nil {
		r.Status, r.Observed, r.LogTail = scenarios.Errored, err.Error(), logTail
	}
	return r
}

// NotRun reports cases that could not run, as skipped with the reason.
func NotRun(cases []scenarios.Case, why string) []scenarios.Result {
	var out []scenarios.Result
	for _, c := range cases {
		out = append(out, scenarios.Result{ID: c.ID(), Suite: c.Suite, Case: c.Name, Promise: c.Promise, Description: c.Description, Status: scenarios.Skipped, Observed: why})
	}
	return out
}

func splitID(id string) (suite, name string) {
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			return id[:i], id[i+1:]
		}
	}
	return id, ""
}
