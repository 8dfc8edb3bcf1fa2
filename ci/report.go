package main

import (
	"strings"
	"time"

	"github.com/rmqkb/conformance/reports"
	"github.com/rmqkb/conformance/scenarios"
)

// promises of the pipeline's own steps, for their errored testcases.
var promises = map[string]string{
	"pipeline/engine": "A Dagger engine is reachable, so the suite can be built and run.",
	"pipeline/build":  "The suite binary builds in " + GoImage + ".",
	"pipeline/run":    "The run container starts dockerd and e2e, and e2e writes its reports.",
	"pipeline/export": "The run's reports are exported to the host.",
}

// writeError writes reports for a pipeline that broke before the suite's
// verdict: one errored testcase whose Observed says what happened.
func writeError(dir, id, observed string, started time.Time) error {
	suite, name, _ := strings.Cut(id, "/")
	run := scenarios.Run{
		Target:       "dagger",
		SuiteVersion: "ci",
		Started:      started,
		Duration:     time.Since(started),
		Results: []scenarios.Result{{
			ID: id, Suite: suite, Case: name,
			Promise:  promises[id],
			Status:   scenarios.Errored,
			Duration: time.Since(started),
			Observed: observed,
		}},
	}
	_, err := reports.Write(dir, run)
	return err
}
