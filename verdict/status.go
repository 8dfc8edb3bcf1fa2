// Package verdict holds the suite's contract vocabulary and its verdicts:
// clauses and their IDs, the suites and profiles, a case's Result and a
// whole Run. It imports neither RocketMQ nor Kubernetes, so the reports
// and the CI pipeline, which only read verdicts, link neither.
package verdict

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
