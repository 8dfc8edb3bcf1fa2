package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
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

// Deviation is a fixture that breaks promises: the cases that must fail,
// each with a phrase its observation must hold (the object it names).
type Deviation struct {
	Name  string
	Fails map[string]string
}

// Deviations are the deviating fixtures (testdata/kube/deviations/*/README.txt).
var Deviations = []Deviation{
	{"broker-clusterip", map[string]string{"layout/services": "rocketmq-cluster-broker-d4p"}},
	{"secret-misnamed", map[string]string{"accounts/secret-names": "rocketmq-cluster-broker-0-account-rocketmq-admin", "accounts/secret-keys": "rocketmq-cluster-broker-d4p-account-rocketmq-admin"}},
	{"port-missing", map[string]string{"layout/services": "10912"}},
	{"two-masters", map[string]string{"layout/roles": "broker-d4p"}},
	{"namesrv-pvc", map[string]string{"layout/storage": "rocketmq-cluster-namesrv-0"}},
	{"weak-password", map[string]string{"accounts/secret-keys": "account-console-admin"}},
	{"env-wrong-secret", map[string]string{"accounts/env-wiring": "rocketmq-cluster-broker-x7k-1 container rocketmq-broker: ROCKETMQ_PASSWORD reads Secret rocketmq-cluster-broker-d4p"}},
	{"component-not-running", map[string]string{"layout/topology": `rocketmq-cluster-broker-x7k is "Failed"`}},
	// Every case that walks a shard's pods checks their number first.
	{"extra-shard-replica", map[string]string{"layout/topology": "broker-d4p has 3 pods", "layout/storage": "broker-d4p has 3 pods",
		"layout/roles": "broker-d4p has 3 pods", "accounts/env-wiring": "broker-d4p has 3 pods"}},
}

// FixtureFiles returns the conforming dump's files with those of
// deviation (if not "") in place of the same names.
func FixtureFiles(t testing.TB, deviation string) []string {
	t.Helper()
	files, err := fixtureFiles(deviation)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func fixtureFiles(deviation string) ([]string, error) {
	files := map[string]string{}
	dirs := []string{filepath.Join(FixtureDir(), "conforming")}
	if deviation != "" {
		dirs = append(dirs, filepath.Join(FixtureDir(), "deviations", deviation))
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".yaml") {
				files[e.Name()] = filepath.Join(dir, e.Name())
			}
		}
	}
	var out []string
	for _, f := range files {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// Dump writes FixtureFiles into a new folder, for audit.
func Dump(t testing.TB, deviation string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range FixtureFiles(t, deviation) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ExpectDeviation checks the verdicts of the layout and accounts cases on
// deviation d: the cases it names failed, each naming its object, and
// every other case passed.
func ExpectDeviation(t testing.TB, d Deviation, results []scenarios.Result) {
	t.Helper()
	for _, r := range results {
		want, expected := d.Fails[r.ID]
		switch {
		case expected && r.Status != scenarios.Failed:
			t.Errorf("%s: %s, want failed (%s)", r.ID, r.Status, r.Observed)
		case expected && !strings.Contains(r.Observed, want):
			t.Errorf("%s failed without naming %q:\n%s", r.ID, want, r.Observed)
		case !expected && r.Status != scenarios.Passed:
			t.Errorf("%s: %s, want passed: %s", r.ID, r.Status, r.Observed)
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

// Conforming is the fixture that breaks nothing: every case must pass.
var Conforming = Deviation{Name: "conforming"}

// ObjectCases are the layout and accounts cases, the ones fixtures judge,
// but for accounts/no-leak, which judges a run's written reports
// (reports.Complete) rather than objects.
func ObjectCases(t testing.TB) []scenarios.Case {
	t.Helper()
	cs, err := scenarios.Select("^(layout|accounts)/")
	if err != nil {
		t.Fatal(err)
	}
	var out []scenarios.Case
	for _, c := range cs {
		if !c.AfterReports {
			out = append(out, c)
		}
	}
	return out
}
