package reports

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/rmqkb/conformance/verdict"
)

// JUnit builds the JUnit report: one testsuite per suite with results, one
// testcase per result named by its stable ID, so CI users can track and gate
// on individual promises across runs. A suite's setup (each fault several of
// its cases judge, performed once before them) is a testcase of its own,
// "<suite>/setup: <what>", first in its suite, so a suite's time is what it
// took; the rest of the run's wall time (starting, finishing, writing the
// reports) is the testcase run/rest of a testsuite "run". The testsuites'
// times add up to the run's.
func JUnit(run verdict.Run) junit.Testsuites {
	out := junit.Testsuites{Name: "rocketmq-conformance"}
	var total time.Duration
	groups := groupBySuite(run.Results)
	if rest := run.Unaccounted(); run.Duration > 0 {
		groups = append(groups, suiteGroup{Name: "run", Results: []verdict.Result{{ID: "run/rest", Suite: "run", Status: verdict.Passed, Duration: rest,
			Evidence: []string{"the run's wall time outside every case and suite setup: starting the run, finishing it, writing the reports"}}}})
	}
	for i, g := range groups {
		ts := junit.Testsuite{Name: clean(g.Name), ID: i}
		if !run.Started.IsZero() {
			ts.SetTimestamp(run.Started)
		}
		for _, p := range suiteProperties(run) {
			ts.AddProperty(clean(p[0]), clean(p[1]))
		}
		var d time.Duration
		for _, s := range run.StepsOf(g.Name) {
			d += s.Duration
			ts.AddTestcase(junit.Testcase{Name: clean(s.Suite + "/" + s.Name), Classname: clean(s.Suite), Time: junitSeconds(s.Duration)})
		}
		for _, r := range g.Results {
			d += r.Duration
			// AddTestcase keeps the suite's tests/failures/errors/skipped
			// counts in step with the cases.
			ts.AddTestcase(testcase(r))
		}
		ts.Time = junitSeconds(d)
		total += d
		// AddSuite sums the counts into the testsuites element.
		out.AddSuite(ts)
	}
	if run.Duration > 0 {
		total = run.Duration
	}
	out.Time = junitSeconds(total)
	return out
}

// suiteProperties lists what every suite carries: where the run happened and
// on what, then the run's extra properties sorted by name. JUnit has no
// run-level properties, so each suite repeats them.
func suiteProperties(run verdict.Run) [][2]string {
	props := [][2]string{
		{"target", run.Target},
		{"rocketmq.version", run.Version},
		{"topology", run.Topology.String()},
	}
	if run.Topology.Namespace != "" {
		props = append(props, [2]string{"namespace", run.Topology.Namespace})
	}
	props = append(props, [2]string{"suite.version", run.SuiteVersion})
	for _, k := range sortedKeys(run.Properties) {
		props = append(props, [2]string{k, run.Properties[k]})
	}
	return props
}

// testcase maps one result. The message attribute is the headline CI
// servers show: for a failure, what was observed (its first line), not the
// promise, which the body keeps with the whole story; for an error, why no
// verdict was reached; for a skip, its reason.
func testcase(r verdict.Result) junit.Testcase {
	tc := junit.Testcase{
		Name:      clean(r.ID),
		Classname: clean(r.Suite),
		Time:      junitSeconds(r.Duration),
	}
	switch r.Status {
	case verdict.Failed:
		// The type attribute names the clauses that failed, so CI can
		// track a promise's parts as well as its case.
		tc.Failure = &junit.Result{Message: clean(headline(r)), Type: clean(strings.Join(r.FailedClauses, " ")), Data: clean(explanation(r))}
	case verdict.Errored:
		text := explanation(r)
		if r.LogTail != "" {
			text += "\nlog tail:\n" + r.LogTail
		}
		// The headline says why no verdict was reached; the promise would
		// read as if the target had broken it.
		tc.Error = &junit.Result{Message: clean(headline(r)), Type: clean(strings.Join(r.InconclusiveClauses, " ")), Data: clean(text)}
	case verdict.Skipped:
		tc.Skipped = &junit.Result{Message: clean(r.Observed)}
	case verdict.Passed:
	default:
		// A status this package does not know must not read as a pass.
		tc.Error = &junit.Result{Message: clean("unknown status " + string(r.Status)), Data: clean(explanation(r))}
	}
	if out := systemOut(r); out != "" {
		tc.SystemOut = &junit.Output{Data: clean(out)}
	}
	return tc
}

// systemOut lists the measured figures ("name = value unit") and the
// evidence, for every status: a passing case's figures are how users watch
// failover windows and lag drift before they become failures.
func systemOut(r verdict.Result) string {
	var lines []string
	for _, f := range r.Figures {
		lines = append(lines, strings.TrimSpace(f.Name+" = "+figureValue(f.Value)+" "+f.Unit))
	}
	if len(r.Evidence) > 0 {
		lines = append(lines, "evidence:")
		for _, e := range r.Evidence {
			lines = append(lines, "  - "+e)
		}
	}
	return strings.Join(lines, "\n")
}

// clean makes s safe for XML. encoding/xml escapes markup and splits "]]>"
// in CDATA, but writes control characters and invalid UTF-8 through, which
// makes the whole file unparseable for CI. ANSI colour codes in a log tail
// are dropped; any other such character becomes U+FFFD.
func clean(s string) string {
	s = stripANSI(s)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' ||
			r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			return r
		}
		return '\uFFFD'
	}, s)
}

// headline is the first line of what was observed, or the promise when
// nothing was.
func headline(r verdict.Result) string {
	line, _, _ := strings.Cut(strings.TrimSpace(r.Observed), "\n")
	if line == "" {
		return r.Promise
	}
	return line
}
