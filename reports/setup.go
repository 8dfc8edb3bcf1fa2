package reports

import (
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// Setup is the testcase that says whether the target could be set up at
// all; id is "setup/target" for the commands, "pipeline/..." for the CI
// pipeline's own steps. err nil means it passed. A broken environment is
// thus itself a testcase, and a report is never empty.
func Setup(id, promise string, took time.Duration, err error, logTail string) verdict.Result {
	suite, name := splitID(id)
	r := verdict.Result{ID: id, Suite: suite, Case: name, Promise: promise, Duration: took, Status: verdict.Passed}
	if err != nil {
		r.Status, r.Observed, r.LogTail = verdict.Errored, err.Error(), logTail
	}
	return r
}

func splitID(id string) (suite, name string) {
	for i := 0; i < len(id); i++ {
		if id[i] == '/' {
			return id[:i], id[i+1:]
		}
	}
	return id, ""
}
