package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// FixtureDir is testdata/kube: object dumps shaped as KubeBlocks 1.0.2 with
// the rocketmq addon 1.0.2 creates them (testdata/kube/FACTS.md).
func FixtureDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "kube")
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
func ExpectDeviation(t testing.TB, d Deviation, results []verdict.Result) {
	t.Helper()
	expectFailures(t, d.Name, d.Fails, results)
}

// ExpectLivePlant is ExpectDeviation for a live plant.
func ExpectLivePlant(t testing.TB, p LivePlant, results []verdict.Result) {
	t.Helper()
	expectFailures(t, p.Name, p.Fails, results)
}

// expectFailures checks that the cases in fails failed exactly the clauses
// they expect, each saying every phrase it expects, and that every other
// result passed. A case fails names that did not run is an error too, so
// a misspelt ID cannot pass unnoticed.
func expectFailures(t testing.TB, plant string, fails map[string][]Expect, results []verdict.Result) {
	t.Helper()
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.ID] = true
		wants, expected := fails[r.ID]
		switch {
		case expected && r.Status != verdict.Failed:
			t.Errorf("%s: %s, want failed (%s)", r.ID, r.Status, r.Observed)
		case !expected && r.Status != verdict.Passed:
			t.Errorf("%s: %s, want passed: %s", r.ID, r.Status, r.Observed)
		case expected && !slices.Equal(r.FailedClauses, ExpectedClauses(r.ID, wants)):
			t.Errorf("%s failed %v, want exactly %v:\n%s", r.ID, r.FailedClauses, ExpectedClauses(r.ID, wants), r.Observed)
		}
		for _, w := range wants {
			if r.Status == verdict.Failed && !strings.Contains(r.Observed, w.Says) {
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

// ExpectedClauses is the sorted set of full clause IDs wants name for
// case id.
func ExpectedClauses(id string, wants []Expect) []string {
	var out []string
	for _, w := range wants {
		if c := verdict.ClauseID(id, w.Clause); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// shared is a test binary's control plane, started by the first test that
// asks for it (SharedAPIServer) and stopped by MainWithAPIServer.
var shared struct {
	once sync.Once
	api  *APIServer
	err  error
}

// SharedAPIServer returns the test binary's real etcd + kube-apiserver,
// starting it on first use: a test that needs none (or `go test -list`)
// starts nothing. With -short the test is skipped; when the control plane
// cannot start, the test fails under CI (CI=true) and is skipped
// elsewhere, with the reason.
func SharedAPIServer(t testing.TB) *APIServer {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no control plane")
	}
	shared.once.Do(func() { shared.api, shared.err = StartAPIServer() })
	switch {
	case shared.err != nil && os.Getenv("CI") == "true":
		t.Fatalf("the kube target tests need a control plane under CI: %v", shared.err)
	case shared.err != nil:
		t.Skipf("no control plane: %v", shared.err)
	}
	return shared.api
}

// MainWithAPIServer is a TestMain for packages with kube target tests: it
// runs the tests and stops the control plane if one of them started it.
func MainWithAPIServer(m *testing.M) int {
	code := m.Run()
	if shared.api != nil {
		if err := shared.api.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop the control plane: %v\n", err)
		}
	}
	return code
}

// ObjectCases are the cluster, layout and accounts cases, the ones
// fixtures judge, but for accounts/no-leak, which judges a run's written
// reports (reports.Complete) rather than objects, and
// accounts/acl-enforced, which talks to brokers (scenarios' plants table
// covers it). cluster/ready judges the objects as they are: the sessions
// that run these give it no startup allowance.
func ObjectCases(t testing.TB) []scenarios.Case {
	t.Helper()
	cs, err := scenarios.Select("^(cluster|layout|accounts)/")
	if err != nil {
		t.Fatal(err)
	}
	var out []scenarios.Case
	for _, c := range cs {
		if !c.AfterReports && !slices.Contains(c.Needs, verdict.Messaging) {
			out = append(out, c)
		}
	}
	return out
}
