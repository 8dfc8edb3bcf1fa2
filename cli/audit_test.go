package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/testenv"
)

var fixtures = testenv.FixtureDir()

// assertNoSecret searches every file under dirs for the planted passwords.
func assertNoSecret(t *testing.T, out string, dirs ...string) {
	t.Helper()
	for _, p := range testenv.PlantedPasswords {
		if strings.Contains(out, p) {
			t.Errorf("a planted password appears in the command's output")
		}
	}
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(path)
			for _, p := range testenv.PlantedPasswords {
				if strings.Contains(string(data), p) {
					t.Errorf("a planted password appears in %s", path)
				}
			}
			return nil
		})
	}
}

func caseStatus(t *testing.T, reports string) map[string]string {
	doc := readJUnit(t, reports)
	out := map[string]string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			switch {
			case timeEntry(c.Name):
			case c.Failure != nil:
				out[c.Name] = "failed:" + c.Failure.Text
			case c.Error != nil:
				out[c.Name] = "errored:" + c.Error.Text
			case c.Skipped != nil:
				out[c.Name] = "skipped:" + c.Skipped.Message
			default:
				out[c.Name] = "passed"
			}
		}
	}
	return out
}

func TestAuditConformingDump(t *testing.T) {
	_, reports := sandbox(t)
	code, out := run(t, "audit", "--from", filepath.Join(fixtures, "conforming"), "--reports", reports)
	if code != ExitPassed {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for id, st := range caseStatus(t, reports) {
		obj := objectCase(t, id)
		if obj && st != "passed" || !obj && !strings.HasPrefix(st, "skipped:") {
			t.Errorf("%s: %s", id, st)
		}
		if !obj && !strings.Contains(st, "object dumps") {
			t.Errorf("%s skipped without saying why: %s", id, st)
		}
	}
	assertNoSecret(t, out, reports)
}

func TestAuditDeviatingDump(t *testing.T) {
	dump := testenv.Dump(t, "broker-clusterip")
	_, reports := sandbox(t)
	code, out := run(t, "audit", "--from", dump, "--reports", reports)
	if code != ExitFailed {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for id, st := range caseStatus(t, reports) {
		if strings.HasPrefix(st, "failed:") && id != "layout/services" {
			t.Errorf("%s failed too: %s", id, st)
		}
	}
	if st := caseStatus(t, reports)["layout/services"]; !strings.Contains(st, "rocketmq-cluster-broker-d4p") {
		t.Errorf("layout/services: %s", st)
	}
	assertNoSecret(t, out, reports)
}

func TestAuditBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"audit"}, "audit needs --from DIR"},
		{[]string{"audit", "--from", "/nonexistent/dump"}, "/nonexistent/dump"},
		{[]string{"audit", "--from", filepath.Join(fixtures, "conforming"), "--cluster", "nope"}, "no Cluster nope"},
		{[]string{"audit", "--from", filepath.Join(fixtures, "conforming"), "--keep"}, "flag provided but not defined: -keep"},
	} {
		_, reports := sandbox(t)
		code, out := run(t, append(tc.args, "--reports", reports)...)
		if code != ExitSetup || !strings.Contains(out, tc.say) {
			t.Errorf("%v: exit %d, output:\n%s\nwant exit 2 and %q", tc.args, code, out, tc.say)
		}
	}
}

// timeEntry reports whether a JUnit testcase accounts for time rather
// than judging a case: a suite's setup ("<suite>/setup: <what>") or the
// run's rest (run/rest).
func timeEntry(name string) bool { return name == "run/rest" || strings.Contains(name, "/setup: ") }
