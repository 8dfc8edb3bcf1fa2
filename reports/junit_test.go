package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/verdict"
)

// The x* types parse junit.xml independently of the library's types, the
// way a CI server would.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Timestamp  string      `xml:"timestamp,attr"`
	Properties []xProperty `xml:"properties>property"`
	Cases      []xCase     `xml:"testcase"`
}

type xProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xCase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *xResult `xml:"failure"`
	Error     *xResult `xml:"error"`
	Skipped   *xResult `xml:"skipped"`
	SystemOut *string  `xml:"system-out"`
}

type xResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// readJUnit writes run and parses junit.xml back.
func readJUnit(t *testing.T, run verdict.Run) xSuites {
	t.Helper()
	dir := t.TempDir()
	if _, err := Write(dir, run); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "<?xml") {
		t.Errorf("junit.xml has no XML declaration")
	}
	var got xSuites
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, data)
	}
	return got
}

func findCase(t *testing.T, s xSuites, name string) xCase {
	t.Helper()
	for _, su := range s.Suites {
		for _, c := range su.Cases {
			if c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("no testcase %q", name)
	return xCase{}
}

func TestJUnitCountsAndOrder(t *testing.T) {
	got := readJUnit(t, sampleRun())

	if got.Tests != 8 || got.Failures != 1 || got.Errors != 1 || got.Skipped != 1 {
		t.Errorf("testsuites counts = %d tests, %d failures, %d errors, %d skipped; want 8 (run/rest among them), 1, 1, 1",
			got.Tests, got.Failures, got.Errors, got.Skipped)
	}
	if got.Time != "83.000" {
		t.Errorf("testsuites time = %q, want run duration 83.000", got.Time)
	}

	type counts struct {
		name                             string
		tests, failures, errors, skipped int
		time                             string
	}
	var suites []counts
	for _, s := range got.Suites {
		suites = append(suites, counts{s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, s.Time})
	}
	want := []counts{
		{"routing", 2, 1, 0, 0, "2.800"},
		{"messaging", 1, 0, 0, 0, "1.200"},
		{"failover", 1, 0, 1, 0, "61.000"},
		{"accounts", 1, 0, 0, 1, "0.000"},
		{"aa-extra", 1, 0, 0, 0, "0.000"},
		{"zz-extra", 1, 0, 0, 0, "0.000"},
		{"run", 1, 0, 0, 0, "18.000"}, // 83 s, less the cases' 65 s
	}
	if !reflect.DeepEqual(suites, want) {
		t.Errorf("suites =\n%+v\nwant\n%+v", suites, want)
	}

	routing := got.Suites[0]
	if routing.Timestamp != "2025-01-02T03:04:05Z" {
		t.Errorf("timestamp = %q", routing.Timestamp)
	}
	var names []string
	for _, c := range routing.Cases {
		names = append(names, c.Name+" "+c.Classname+" "+c.Time)
	}
	if want := []string{"routing/brokers-registered routing 0.300", "routing/topic-route routing 2.500"}; !reflect.DeepEqual(names, want) {
		t.Errorf("routing cases = %q, want %q", names, want)
	}
}

func TestJUnitProperties(t *testing.T) {
	got := readJUnit(t, sampleRun())
	want := []xProperty{
		{"target", "kube"},
		{"rocketmq.version", "5.3.1"},
		{"topology", "cluster rocketmq-cluster: 1 namesrv, 2 shards x 2 replicas"},
		{"namespace", "demo"},
		{"suite.version", "v0.1.0"},
		{"addon.version", "1.0.0"},
		{"zeta", "last"},
	}
	for _, s := range got.Suites {
		if !reflect.DeepEqual(s.Properties, want) {
			t.Errorf("suite %s properties =\n%+v\nwant\n%+v", s.Name, s.Properties, want)
		}
	}
}

func TestJUnitFailureErrorSkip(t *testing.T) {
	got := readJUnit(t, sampleRun())

	failed := findCase(t, got, "routing/topic-route")
	if failed.Failure == nil || failed.Error != nil || failed.Skipped != nil {
		t.Fatalf("topic-route: want only <failure>, got %+v", failed)
	}
	// The headline is what was observed (its first line), not the promise.
	if failed.Failure.Message != "offset <12> & then ]]> oops" {
		t.Errorf("failure message = %q", failed.Failure.Message)
	}
	if failed.Failure.Type != "routing/topic-route#routed routing/topic-route#writable" {
		t.Errorf("failure type = %q, want the failed clause IDs", failed.Failure.Type)
	}
	wantText := "promised: a|pipe promise & <tag>\n" +
		"failed clauses: routing/topic-route#routed, routing/topic-route#writable\n" +
		"observed: offset <12> & then ]]> oops\nsecond line red \uFFFD\n" +
		"evidence:\n  - route a|b\n  - namesrv-0 said <none>"
	if failed.Failure.Text != wantText {
		t.Errorf("failure text =\n%q\nwant\n%q", failed.Failure.Text, wantText)
	}
	if failed.SystemOut == nil || *failed.SystemOut != "window|x = 0.3 s\nevidence:\n  - route a|b\n  - namesrv-0 said <none>" {
		t.Errorf("failed system-out = %v", failed.SystemOut)
	}

	errored := findCase(t, got, "failover/kill-master")
	if errored.Error == nil || errored.Failure != nil {
		t.Fatalf("kill-master: want <error>, got %+v", errored)
	}
	if errored.Error.Message != "case timed out" {
		t.Errorf("error message = %q", errored.Error.Message)
	}
	if errored.Error.Type != "failover/kill-master#writes-resume" {
		t.Errorf("error type = %q, want the inconclusive clause IDs", errored.Error.Type)
	}
	if want := "promised: a slave takes over\ninconclusive clauses: failover/kill-master#writes-resume\nobserved: case timed out\nlog tail:\nline 1\n```\nline 3 done"; errored.Error.Text != want {
		t.Errorf("error text = %q, want %q", errored.Error.Text, want)
	}

	skipped := findCase(t, got, "accounts/acl")
	if skipped.Skipped == nil || skipped.Skipped.Message != `target "local" cannot objects: no kube` {
		t.Errorf("skipped = %+v", skipped.Skipped)
	}

	passed := findCase(t, got, "messaging/send-receive")
	if passed.Failure != nil || passed.Error != nil || passed.Skipped != nil {
		t.Errorf("passed case has a result element: %+v", passed)
	}
	wantOut := "lag_p50 = 12 ms\nlag_p99 = 40.5 ms\nlag_max = 51.25 ms\nmessages = 500\nhidden = 1 x\nevidence:\n  - 500 sent, 500 received"
	if passed.SystemOut == nil || *passed.SystemOut != wantOut {
		t.Errorf("passed system-out = %q, want %q", deref(passed.SystemOut), wantOut)
	}
	if bare := findCase(t, got, "routing/brokers-registered"); bare.SystemOut != nil {
		t.Errorf("case without figures or evidence has system-out %q", *bare.SystemOut)
	}
}

// TestJUnitEscaping checks that hostile text in every field survives a round
// trip through XML.
func TestJUnitEscaping(t *testing.T) {
	text := "a < b && c ]]> d\nnext line ]]]]>"
	run := verdict.Run{Results: []verdict.Result{{
		ID: "x/<y>", Suite: "x", Promise: text, Status: verdict.Failed, Observed: text,
		Evidence: []string{text},
	}}}
	got := readJUnit(t, run)
	c := findCase(t, got, "x/<y>")
	if c.Failure == nil {
		t.Fatal("no failure")
	}
	if want := "a < b && c ]]> d"; c.Failure.Message != want {
		t.Errorf("message = %q, want the observation's first line %q", c.Failure.Message, want)
	}
	if want := "promised: " + text + "\nobserved: " + text + "\nevidence:\n  - " + text; c.Failure.Text != want {
		t.Errorf("text = %q, want %q", c.Failure.Text, want)
	}
}

func TestJUnitUnknownStatusIsNotAPass(t *testing.T) {
	run := verdict.Run{Results: []verdict.Result{{ID: "x/y", Suite: "x", Status: "weird"}}}
	got := JUnit(run)
	if got.Errors != 1 {
		t.Errorf("unknown status: errors = %d, want 1", got.Errors)
	}
}

func TestJUnitEmptyRun(t *testing.T) {
	got := readJUnit(t, verdict.Run{Target: "local"})
	if got.Tests != 0 || len(got.Suites) != 0 {
		t.Errorf("empty run = %+v", got)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestJUnitAccountsForTheRunsTime: a fault a suite's setup performed is a
// testcase of that suite, first, with its time; the testsuites add up to
// the run's wall time, the rest in run/rest. Dropping the step from the
// report would leave its suite 60 s short and run/rest 60 s long.
func TestJUnitAccountsForTheRunsTime(t *testing.T) {
	run := verdict.Run{Target: "local", Duration: 100 * time.Second, Results: []verdict.Result{
		{ID: "setup/target", Suite: "setup", Status: verdict.Passed, Duration: 10 * time.Second},
		{ID: "failover/kill-master", Suite: "failover", Status: verdict.Passed, Duration: time.Second},
		{ID: "failover/read-from-slave", Suite: "failover", Status: verdict.Passed, Duration: 2 * time.Second},
	}, Steps: []verdict.Step{{Suite: "failover", Name: "setup: kill of a master", Duration: 60 * time.Second}}}
	got := readJUnit(t, run)
	times := map[string]string{}
	var sum float64
	for _, s := range got.Suites {
		times[s.Name] = s.Time
		var f float64
		fmt.Sscan(s.Time, &f)
		sum += f
	}
	if times["failover"] != "63.000" || times["run"] != "27.000" || times["setup"] != "10.000" {
		t.Errorf("suite times %v; want failover 63 (its setup's 60 s included), setup 10, run 27", times)
	}
	if sum != 100 {
		t.Errorf("the testsuites add up to %.3f s; the run took 100 s", sum)
	}
	var first string
	for _, s := range got.Suites {
		if s.Name == "failover" {
			first = s.Cases[0].Name + " " + s.Cases[0].Time
		}
	}
	if first != "failover/setup: kill of a master 60.000" {
		t.Errorf("failover's first testcase %q; want its setup with its time", first)
	}
	md := Markdown(run)
	for _, want := range []string{"### Time", "| failover | 1m3s |", "setup: kill of a master | 1m0s |", "| rest: starting, finishing, reports | 27.0s |"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
}
