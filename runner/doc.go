// Package runner holds the one way from a target and a selection of cases
// to a verdict.Run and its reports. run, audit and e2e (cli) and
// the e2e-framework harness (e2e) all go through it, so that for the same
// cluster and selection they write the same report: the same setup
// testcase, the same secrets redacted and searched for, the same server
// version with the same fallback, and accounts/no-leak judged in one place.
//
// A run has three steps: Begin (the setup testcase, the run's properties,
// the server version), cases (Execute for a command, Case per assessment
// for the harness, whose framework decides which cases run), and Finish
// (every selected case listed, reports written and completed).
package runner
