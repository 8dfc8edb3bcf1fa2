// Package reports turns a conformance run into the files CI users read: a
// JUnit XML file for test-result UIs, a Markdown summary sized for a GitHub
// step summary, and a JSON document for tools. Every report is built from
// verdict.Run alone, so all three always agree.
package reports

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// suiteGroup is one suite's results in run order.
type suiteGroup struct {
	Name    string
	Results []verdict.Result
}

// leadingSuites come before the contract's: they say whether the run could
// happen at all (the target's setup, the CI pipeline).
var leadingSuites = []string{"pipeline", "setup"}

// groupBySuite groups results by suite: setup first, then the contract
// suites in verdict.Suites order, then any suite the contract does not
// know, sorted by name, so a report reads the same way every run. Suites
// without results are left out.
func groupBySuite(results []verdict.Result) []suiteGroup {
	by := map[string][]verdict.Result{}
	for _, r := range results {
		by[r.Suite] = append(by[r.Suite], r)
	}
	var out []suiteGroup
	for _, s := range append(append([]string(nil), leadingSuites...), verdict.Suites...) {
		if rs, ok := by[s]; ok {
			out = append(out, suiteGroup{s, rs})
			delete(by, s)
		}
	}
	var extra []string
	for s := range by {
		extra = append(extra, s)
	}
	slices.Sort(extra)
	for _, s := range extra {
		out = append(out, suiteGroup{s, by[s]})
	}
	return out
}

// overall is the overall word for a run, ranked like its exit code.
func overall(run verdict.Run) string {
	switch run.ExitCode() {
	case 2:
		return "ERRORED"
	case 1:
		return "FAILED"
	}
	return "PASSED"
}

// countsLine is e.g. "12 passed, 1 failed, 8 skipped, 0 errored".
func countsLine(run verdict.Run) string {
	n := run.Counts()
	return fmt.Sprintf("%d passed, %d failed, %d skipped, %d errored",
		n[verdict.Passed], n[verdict.Failed], n[verdict.Skipped], n[verdict.Errored])
}

// humanDuration renders d for people: "0s", "1.2s" under a minute, then
// whole seconds such as "3m12s".
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	return d.Round(time.Second).String()
}

// junitSeconds renders d as JUnit wants: seconds with millisecond precision.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// figureValue renders a measured value without float noise: integers as
// integers, others to three decimals, tiny values in exponent form so they do
// not read as zero.
func figureValue(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v != 0 && math.Abs(v) < 0.001:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// FigureText is "name value unit", without float noise and without a
// trailing space for unitless figures, as every report and the progress
// lines show a figure.
func FigureText(f verdict.Figure) string {
	return strings.TrimSpace(f.Name + " " + figureValue(f.Value) + " " + f.Unit)
}

// explanation is the body of a failure or error: what was promised, what was
// seen instead, and the evidence, so the CI UI shows a self-contained story.
func explanation(r verdict.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "promised: %s\n", r.Promise)
	if len(r.FailedClauses) > 0 {
		fmt.Fprintf(&b, "failed clauses: %s\n", strings.Join(r.FailedClauses, ", "))
	}
	if len(r.InconclusiveClauses) > 0 {
		fmt.Fprintf(&b, "inconclusive clauses: %s\n", strings.Join(r.InconclusiveClauses, ", "))
	}
	fmt.Fprintf(&b, "observed: %s", r.Observed)
	if len(r.Evidence) > 0 {
		b.WriteString("\nevidence:")
		for _, e := range r.Evidence {
			b.WriteString("\n  - " + e)
		}
	}
	return b.String()
}

// ansiCSI matches ANSI escape sequences (colours, cursor moves) that process
// logs carry; CI UIs and step summaries show them as garbage.
var ansiCSI = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]")

// stripANSI removes ANSI escape sequences from s.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	return ansiCSI.ReplaceAllString(s, "")
}
