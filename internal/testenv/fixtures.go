package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/scenarios"
)

// FixtureDir is testdata/kube: object dumps shaped as KubeBlocks 1.0.2 with
// the rocketmq addon 1.0.2 creates them (testdata/kube/FACTS.md).
func FixtureDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "kube")
}

// PlantedPasswords are the account passwords the fixtures carry; no file
// or output of the suite may contain them.
var PlantedPasswords = []string{"Ab482913", "Zq730516"}

// Dump writes the objects of deviation ("" for none) into a new folder,
// one List file per kind as in testdata/kube/conforming, for the audit
// target.
func Dump(t testing.TB, deviation string) string {
	t.Helper()
	o, err := ReadObjects(deviation)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := o.Write(dir, "testenv.Dump of deviation "+firstNonEmpty(deviation, Conforming.Name)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ExpectDeviation checks the verdicts of the layout and accounts cases on
// deviation d: the cases it names failed, each saying every phrase it
// expects, and every other case passed.
func ExpectDeviation(t testing.TB, d Deviation, results []scenarios.Result) {
	t.Helper()
	expectFailures(t, d.Name, d.Fails, results)
}

// ExpectLivePlant is ExpectDeviation for a live plant.
func ExpectLivePlant(t testing.TB, p LivePlant, results []scenarios.Result) {
	t.Helper()
	expectFailures(t, p.Name, p.Fails, results)
}

// expectFailures checks that the cases in fails failed, each saying every
// phrase it expects, and that every other result passed. A case fails
// names that did not run is an error too, so a misspelt ID cannot pass
// unnoticed.
func expectFailures(t testing.TB, plant string, fails map[string][]Expect, results []scenarios.Result) {
	t.Helper()
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.ID] = true
		wants, expected := fails[r.ID]
		switch {
		case expected && r.Status != scenarios.Failed:
			t.Errorf("%s: %s, want failed (%s)", r.ID, r.Status, r.Observed)
		case !expected && r.Status != scenarios.Passed:
			t.Errorf("%s: %s, want passed: %s", r.ID, r.Status, r.Observed)
		}
		for _, w := range wants {
			if r.Status == scenarios.Failed && !strings.Contains(r.Observed, w.Says) {
				t.Errorf("%s failed without showing clause %q: no %q in:\n%s", r.ID, w.Clause, w.Says, r.Observed)
			}
		}
	}
	for id := range fails {
		if !ran[id] {
			t.Errorf("%s expects %s to fail, but it did not run", plant, id)
		}
	}
}

// MainWithAPIServer is a TestMain for packages with kube target tests: it
// starts the control plane into *api (nil when it cannot start outside CI;
// those tests skip), runs the tests and stops it.
func MainWithAPIServer(m *testing.M, api **APIServer) int {
	a, why, ok := RequireAPIServer()
	if !ok {
		fmt.Fprintf(os.Stderr, "FAIL: the kube target tests need a control plane under CI: %s\n", why)
		return 1
	}
	if a == nil {
		fmt.Fprintf(os.Stderr, "skipping the kube target tests: %s\n", why)
	}
	*api = a
	code := m.Run()
	if a != nil {
		if err := a.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the control plane: %v\n", err)
		}
	}
	return code
}

// ObjectCases are the layout and accounts cases, the ones fixtures judge,
// but for accounts/no-leak, which judges a run's written reports
// (reports.Complete) rather than objects, and accounts/acl-enforced, which
// talks to brokers (scenarios' plants table covers it).
func ObjectCases(t testing.TB) []scenarios.Case {
	t.Helper()
	cs, err := scenarios.Select("^(layout|accounts)/")
	if err != nil {
		t.Fatal(err)
	}
	var out []scenarios.Case
	for _, c := range cs {
		if !c.AfterReports && !slices.Contains(c.Needs, scenarios.Messaging) {
			out = append(out, c)
		}
	}
	return out
}
