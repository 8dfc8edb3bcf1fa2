package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/testenv"
)

// junitDoc is the part of junit.xml the tests read.
type junitDoc struct {
	Suites []struct {
		Name       string `xml:"name,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, dir string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatalf("read junit.xml: %v", err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse junit.xml: %v", err)
	}
	return doc
}

// sandbox points the run's temp dirs at a fresh folder and returns it and
// a reports dir inside it.
func sandbox(t *testing.T) (tmp, reports string) {
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	return tmp, filepath.Join(t.TempDir(), "reports")
}

func run(t *testing.T, args ...string) (code int, out string) {
	t.Helper()
	return runB(t, args...)
}

func runB(t testing.TB, args ...string) (code int, out string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	code = Main(ctx, args, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

func TestBadInputExitsTwoAndLeavesNothing(t *testing.T) {
	badManifest := filepath.Join(t.TempDir(), "cluster.yaml")
	os.WriteFile(badManifest, []byte("apiVersion: apps.kubeblocks.io/v1\nkind: Cluster\nmetadata: {name: x}\nspec: {clusterDef: kafka}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		say  string
	}{
		{"unknown flag", []string{"--no-such-flag"}, "no-such-flag"},
		{"unknown command", []string{"launch"}, `unknown command "launch"`},
		{"regex matching nothing", []string{"--run", "routing/nope"}, "matches no case"},
		{"bad regex", []string{"--run", "("}, "not a regular expression"},
		{"unreadable manifest", []string{"--manifest", "/nonexistent/cluster.yaml"}, "/nonexistent/cluster.yaml"},
		{"wrong manifest", []string{"--manifest", badManifest}, "spec.clusterDef is \"kafka\", expected rocketmq"},
		{"bad broker config", []string{"--broker-config", "flushDiskType"}, "expected KEY=VALUE"},
		{"reserved broker config", []string{"--master-config", "listenPort=1"}, "listenPort cannot be overridden"},
		{"unknown target", []string{"--target", "mars"}, `--target "mars"`},
		{"bad shards", []string{"--shards", "-1"}, "--shards -1"},
		{"bad namesrvs", []string{"--namesrvs", "9"}, "--namesrvs 9: expected 1 to 8"},
		{"bad profile", []string{"--profile", "nightly"}, `--profile "nightly": expected quick or full`},
		{"missing exporter jar", []string{"--exporter-jar", "/nonexistent/exporter.jar"}, "--exporter-jar /nonexistent/exporter.jar: expected a jar file"},
		{"dashboard jar on kube", []string{"--target", "kube", "--dashboard-jar", "/nonexistent/d.jar"}, "--dashboard-jar go with --target local"},
		{"list with bad regex", []string{"list", "--run", "zzz"}, "matches no case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp, reports := sandbox(t)
			args := tc.args
			if args[0] != "list" {
				args = append(args, "--reports", reports)
			}
			code, out := run(t, args...)
			if code != ExitSetup || !strings.Contains(out, tc.say) {
				t.Errorf("exit %d, output:\n%s\nwant exit 2 and %q", code, out, tc.say)
			}
			if _, err := os.Stat(reports); !os.IsNotExist(err) {
				t.Errorf("bad input wrote a reports folder")
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("bad input left %v in the temp dir", left)
			}
		})
	}
}

func TestList(t *testing.T) {
	code, out := run(t, "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, out)
	}
	for _, c := range scenarios.All() {
		if !strings.Contains(out, c.ID()) {
			t.Errorf("list does not show %s", c.ID())
		}
	}
}

// TestNoJava: a setup failure is an errored testcase in the report, exit 2.
func TestNoJava(t *testing.T) {
	tmp, reports := sandbox(t)
	t.Setenv("JAVA_HOME", "/nonexistent/jdk")
	code, out := run(t, "--reports", reports)
	if code != ExitSetup || !strings.Contains(out, "JAVA_HOME=/nonexistent/jdk has no bin/java") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
	assertSetupErrored(t, reports, "JAVA_HOME")
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left %v behind", left)
	}
}

// TestBusyPort: a --port-base whose port is taken is named, exit 2, and the
// run folder is removed.
func TestBusyPort(t *testing.T) {
	testenv.Lock(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	tmp, reports := sandbox(t)
	code, out := run(t, "--port-base", strconv.Itoa(port), "--reports", reports)
	want := "port " + strconv.Itoa(port) + " for namesrv rocketmq-cluster-namesrv-0 is not free"
	if code != ExitSetup || !strings.Contains(out, want) {
		t.Fatalf("exit %d, output:\n%s\nwant exit 2 and %q", code, out, want)
	}
	assertSetupErrored(t, reports, want)
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left %v behind", left)
	}
}

func assertSetupErrored(t *testing.T, reports, say string) {
	t.Helper()
	doc := readJUnit(t, reports)
	var setupSeen, skipped int
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			switch {
			case timeEntry(c.Name):
			case c.Name == "setup/target":
				setupSeen++
				if c.Error == nil || !strings.Contains(c.Error.Text+c.Error.Message, say) {
					t.Errorf("setup/target is not errored with %q: %+v", say, c.Error)
				}
			case c.Skipped != nil:
				skipped++
			default:
				t.Errorf("%s is neither setup nor skipped", c.Name)
			}
		}
	}
	if setupSeen != 1 || skipped != len(scenarios.All()) {
		t.Errorf("report has %d setup testcases and %d skipped cases; want 1 and %d", setupSeen, skipped, len(scenarios.All()))
	}
}

// TestPlantedAsyncFlushFailsRoles: a planted fault end to end through the
// command line: the failure, its clause in the report, the diagnostics.
// It belongs to the planted tier, whose fault lane (testenv.BusyLock) is
// the tier's whole length, and it reads configs under no load: it takes
// the idle lock instead (beside the expiry bench's wait, or before it),
// and one shard and one namesrv are enough to show it.
func TestPlantedAsyncFlushFailsRoles(t *testing.T) {
	testenv.PlantedTier(t)
	testenv.LockNamed(t, testenv.IdleLock)
	tmp, reports := sandbox(t)
	code, out := run(t, "--run", "replication/roles", "--broker-config", "flushDiskType=ASYNC_FLUSH", "--shards", "1", "--namesrvs", "1", "--reports", reports)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1; output:\n%s", code, out)
	}
	doc := readJUnit(t, reports)
	found := false
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Name != "replication/roles" {
				continue
			}
			found = true
			if c.Failure == nil || !strings.Contains(c.Failure.Text, "flushDiskType=ASYNC_FLUSH") || !strings.Contains(c.Failure.Text, "rocketmq-cluster-broker-") {
				t.Errorf("replication/roles failure does not name the broker and the key: %+v", c.Failure)
			}
			if c.Failure != nil && c.Failure.Type != "replication/roles#sync-flush" {
				t.Errorf("replication/roles failure type %q, want its failed clause replication/roles#sync-flush", c.Failure.Type)
			}
		}
	}
	if !found {
		t.Error("no replication/roles testcase")
	}
	// A failed run's diagnostics hold every process's log, with a thread
	// dump of each JVM.
	dumps, _ := filepath.Glob(filepath.Join(reports, "diagnostics", "processes", "*", "stdout.log"))
	for _, f := range dumps {
		if data, _ := os.ReadFile(f); !strings.Contains(string(data), "Full thread dump") {
			t.Errorf("%s holds no thread dump", f)
		}
	}
	if len(dumps) == 0 {
		t.Error("no process logs in diagnostics/processes")
	}
	if left := testenv.ProcessesUnder(tmp); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
}

// TestDefaultRun is `go run .` on the embedded default: every case of the
// contract in the report, the RocketMQ ones passed, the Kubernetes ones
// skipped with a reason, exit 0, nothing left. How long it takes is a
// figure of BenchmarkFullRun, not a verdict: a slow machine is no failure.
func TestDefaultRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite on a real RocketMQ topology")
	}
	testenv.Lock(t)
	tmp, reports := sandbox(t)
	start := time.Now()
	code, out := run(t, "--reports", reports)
	t.Logf("full local run: %s, exit %d", time.Since(start).Round(time.Second), code)
	if code != ExitPassed {
		t.Fatalf("exit %d; output:\n%s", code, out)
	}
	doc := readJUnit(t, reports)
	status, skipReason := map[string]string{}, map[string]string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			switch {
			case c.Failure != nil || c.Error != nil:
				status[c.Name] = "failed"
			case c.Skipped != nil:
				status[c.Name] = "skipped"
				skipReason[c.Name] = c.Skipped.Message
				if c.Skipped.Message == "" {
					t.Errorf("%s skipped without a reason", c.Name)
				}
			default:
				status[c.Name] = "passed"
			}
		}
		props := map[string]string{}
		for _, p := range s.Properties {
			props[p.Name] = p.Value
		}
		for _, k := range []string{"target", "rocketmq.version", "topology", "suite.version"} {
			if props[k] == "" {
				t.Errorf("suite %s lacks property %s", s.Name, k)
			}
		}
	}
	for _, c := range scenarios.All() {
		want := "passed"
		switch {
		case c.Suite == "cluster" || c.Suite == "layout" || c.Suite == "accounts" || c.Suite == "management" || c.OnlyIn != (scenarios.Mode{}):
			want = "skipped"
		case c.Slow:
			want = "skipped (--profile full)"
		}
		got := status[c.ID()]
		if c.Slow && got == "skipped" && strings.Contains(skipReason[c.ID()], "--profile full") {
			got = "skipped (--profile full)"
		}
		if got != want {
			t.Errorf("%s: %q in the report, want %s", c.ID(), got, want)
		}
	}
	for _, f := range []string{"summary.md", "summary.json"} {
		if _, err := os.Stat(filepath.Join(reports, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}
	if _, ok := status["routing/setup: topics created ahead"]; !ok {
		t.Errorf("junit.xml has no step for the topics created ahead")
	}
	if _, ok := status["failover/setup: kill of a slave and kill of a namesrv (overlapping)"]; !ok {
		t.Errorf("junit.xml has no step for the kill of a slave and the kill of a namesrv overlapping")
	}
	assertTookAheadTopic(t, reports, "failover/kill-master", "replication/slave-content")
	assertEvidence(t, reports, "failover/namesrv-restart", "performed beside the kill of a slave")
	assertEvidence(t, reports, "failover/kill-slave", "the kill of a namesrv started beside this run")
	assertNothingLeft(t, tmp)
}

// assertTookAheadTopic checks that each of the cases ids says, in its
// evidence in summary.json, that its run took a topic created ahead.
func assertTookAheadTopic(t *testing.T, reports string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		assertEvidence(t, reports, id, "was created ahead")
	}
}

// assertEvidence checks that case id's evidence in summary.json says want.
func assertEvidence(t *testing.T, reports, id, want string) {
	t.Helper()
	for _, r := range summaryResults(t, reports) {
		if r.ID == id && slices.ContainsFunc(r.Evidence, func(e string) bool { return strings.Contains(e, want) }) {
			return
		}
	}
	t.Errorf("%s does not say %q in its evidence", id, want)
}

// summaryResult is what the tests read of a result in summary.json.
type summaryResult struct {
	ID       string   `json:"id"`
	Duration int64    `json:"duration_ns"`
	Evidence []string `json:"evidence"`
}

// summaryResults reads the results of the summary.json in reports.
func summaryResults(t testing.TB, reports string) []summaryResult {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(reports, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []summaryResult `json:"results"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Results
}

// TestModesRun is `run --acl --dledger` on a few cases: the mode reaches
// the topology (Raft groups of three, signed requests) and the report, the
// mode's cases pass, accounts/no-leak finds no password in what was
// written, and nothing is left.
func TestModesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	testenv.Lock(t)
	tmp, reports := sandbox(t)
	code, out := run(t, "--acl", "--dledger", "--shards", "1", "--run", "^(routing/brokers-registered|replication/roles|accounts/acl-enforced|accounts/no-leak)$", "--reports", reports)
	if code != ExitPassed {
		t.Fatalf("exit %d; output:\n%s", code, out)
	}
	for _, want := range []string{"1 shard x 3 replicas, mode acl+dledger", "PASS  accounts/acl-enforced", "PASS  accounts/no-leak", "PASS  replication/roles"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}
	doc := readJUnit(t, reports)
	for _, s := range doc.Suites {
		for _, p := range s.Properties {
			if p.Name == "mode" && p.Value != "acl+dledger" {
				t.Errorf("suite %s: mode %q, want acl+dledger", s.Name, p.Value)
			}
		}
	}
	assertNothingLeft(t, tmp)
}

// assertNothingLeft checks that a run left no process and no folder in
// its temp dir.
func assertNothingLeft(t *testing.T, tmp string) {
	t.Helper()
	if left := testenv.ProcessesUnder(tmp); len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left %v in the temp dir", left)
	}
}

// TestSmallTopologiesSkipWhatTheyCannotShow: on one shard of one broker,
// with one namesrv, every case whose promise needs a slave, a second shard
// or a second namesrv is skipped,
// naming the topology it needs; none passes on part of its promise.
func TestSmallTopologiesSkipWhatTheyCannotShow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real RocketMQ topology")
	}
	testenv.Lock(t)
	tmp, reports := sandbox(t)
	needs := map[string]string{
		"replication/async-catch-up":   "--replicas",
		"replication/slave-content":    "--replicas",
		"failover/read-from-slave":     "--replicas",
		"failover/kill-slave":          "--replicas",
		"failover/other-shards-write":  "--shards",
		"routing/namesrv-independence": "--namesrvs",
	}
	var ids []string
	for id := range needs {
		ids = append(ids, regexp.QuoteMeta(id))
	}
	code, out := run(t, "--namesrvs", "1", "--shards", "1", "--replicas", "1", "--run", "^("+strings.Join(ids, "|")+")$", "--reports", reports)
	if code != ExitPassed {
		t.Fatalf("exit %d, want 0:\n%s", code, out)
	}
	for id, st := range caseStatus(t, reports) {
		if id == "setup/target" {
			continue
		}
		if !strings.HasPrefix(st, "skipped:") || !strings.Contains(st, needs[id]) {
			t.Errorf("%s: %s; want skipped naming %s", id, st, needs[id])
		}
	}
	assertNothingLeft(t, tmp)
}
