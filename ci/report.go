package main

import (
	"context"
	"errors"
	"time"

	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/verdict"
)

// promises of the pipeline's own steps, for their errored testcases.
var promises = map[string]string{
	"pipeline/engine": "A Dagger engine is reachable, so the suite can be built and run.",
	"pipeline/build":  "The suite binary builds in the Go image (--go-image).",
	"pipeline/run":    "The run container starts dockerd and e2e, and e2e writes its reports.",
	"pipeline/export": "The run's reports are exported to the host.",
}

// writeError writes reports for a pipeline that broke before the suite's
// verdict: one errored testcase whose Observed says what happened, through
// the same reports.Complete every command uses.
func writeError(dir, id, observed string, started time.Time) error {
	run := verdict.Run{
		Target:       "dagger",
		SuiteVersion: "ci",
		Started:      started,
		Duration:     time.Since(started),
		Results:      []verdict.Result{reports.Setup(id, promises[id], time.Since(started), errors.New(observed), "")},
	}
	_, _, err := reports.Complete(context.Background(), run, reports.Finish{Dir: dir})
	return err
}
