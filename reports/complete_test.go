package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rmqkb/conformance/verdict"
)

// planted is the secret these tests plant in what a run writes.
const planted = "Qz519374"

var plantedSecrets = []verdict.Secret{{What: "the password of Secret demo/x-account-rocketmq-admin", Value: planted}}

// leakyRun is a run whose texts and diagnostics hold the planted secret: a
// failed case's failure text, a passing case's evidence, a collected pod
// log and an event, as the kube target collects them.
func leakyRun(failed bool) (verdict.Run, Finish) {
	results := []verdict.Result{
		{ID: "routing/brokers-registered", Suite: "routing", Case: "brokers-registered", Status: verdict.Passed,
			Evidence: []string{"broker said: user rocketmq-admin password " + planted}},
	}
	if failed {
		results = append(results, verdict.Result{ID: "layout/services", Suite: "layout", Case: "services", Status: verdict.Failed,
			Promise: "p", Observed: "Service x quotes " + planted})
	}
	results = append(results, verdict.Result{ID: "accounts/no-leak", Suite: "accounts", Case: verdict.NoLeakCase, Status: verdict.Pending})
	f := Finish{
		Secrets: func(context.Context) ([]verdict.Secret, error) { return plantedSecrets, nil },
		Collect: func(_ context.Context, dir string) error {
			os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
			os.WriteFile(filepath.Join(dir, "logs", "broker-0_rocketmq-broker.log"), []byte("start\nload acl\nBroker plain acl conf data is : {secretKey="+planted+"}\n"), 0o644)
			return os.WriteFile(filepath.Join(dir, "events.yaml"), []byte("items:\n- message: Back-off restarting, env ROCKETMQ_PASSWORD="+planted+"\n"), 0o644)
		},
	}
	return verdict.Run{Target: "test", Results: results}, f
}

// filesHolding lists the files under dir that hold s.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); strings.Contains(string(data), s) {
				rel, _ := filepath.Rel(dir, path)
				out = append(out, rel)
			}
		}
		return nil
	})
	return out
}

func noLeakOf(run verdict.Run) verdict.Result {
	for _, r := range run.Results {
		if r.Case == verdict.NoLeakCase {
			return r
		}
	}
	return verdict.Result{}
}

// TestRedactionHolds: with redaction, the planted secret is in no written
// file, no-leak passes, and the exit code is the other cases' (1).
func TestRedactionHolds(t *testing.T) {
	run, f := leakyRun(true)
	f.Dir = t.TempDir()
	got, code, err := Complete(context.Background(), run, f)
	if err != nil {
		t.Fatal(err)
	}
	if files := filesHolding(t, f.Dir, planted); len(files) > 0 {
		t.Errorf("the secret was written to %v", files)
	}
	if r := noLeakOf(got); r.Status != verdict.Passed {
		t.Errorf("no-leak: %s %q", r.Status, r.Observed)
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1 (layout/services failed)", code)
	}
	for _, name := range []string{"diagnostics/events.yaml", "diagnostics/logs/broker-0_rocketmq-broker.log"} {
		if data, err := os.ReadFile(filepath.Join(f.Dir, name)); err != nil || !strings.Contains(string(data), Redacted) {
			t.Errorf("%s was not collected and redacted: %v", name, err)
		}
	}
}

// TestLeakFoundWhenRedactionIsBypassed: the same material with redaction
// bypassed; no-leak fails, naming every file and line and never the value.
func TestLeakFoundWhenRedactionIsBypassed(t *testing.T) {
	run, f := leakyRun(true)
	f.Dir, f.skipRedaction = t.TempDir(), true
	got, code, err := Complete(context.Background(), run, f)
	if err != nil {
		t.Fatal(err)
	}
	r := noLeakOf(got)
	if r.Status != verdict.Failed {
		t.Fatalf("no-leak: %s %q", r.Status, r.Observed)
	}
	for _, want := range []string{"diagnostics/logs/broker-0_rocketmq-broker.log line 3", "diagnostics/events.yaml line 2", "junit.xml line", "summary.md line", "summary.json line"} {
		if !strings.Contains(r.Observed, want) {
			t.Errorf("no-leak does not name %q: %s", want, r.Observed)
		}
	}
	if strings.Contains(r.Observed, planted) {
		t.Error("no-leak quotes the value")
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}

// TestLeakTurnsAPassingRunToFailed: a run that passed but for a secret in
// a passing case's evidence exits 0 with redaction and 1 without: no-leak
// judges the files as written and can still turn the verdict.
func TestLeakTurnsAPassingRunToFailed(t *testing.T) {
	for _, bypass := range []bool{false, true} {
		run, f := leakyRun(false)
		f.Dir, f.skipRedaction = t.TempDir(), bypass
		got, code, err := Complete(context.Background(), run, f)
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]int{false: 0, true: 1}[bypass]
		if code != want {
			t.Errorf("redaction bypassed %v: exit code %d, want %d (no-leak %s %q)", bypass, code, want, noLeakOf(got).Status, noLeakOf(got).Observed)
		}
		if bypass && !strings.Contains(noLeakOf(got).Observed, "junit.xml") {
			t.Errorf("no-leak does not name junit.xml: %s", noLeakOf(got).Observed)
		}
		if _, err := os.Stat(filepath.Join(f.Dir, DiagnosticsDir)); !os.IsNotExist(err) {
			t.Errorf("a passing run collected diagnostics")
		}
	}
}

// TestNoLeakNeverPassesOnNothing: a target that names no secret leaves
// no-leak failed, not passed on an empty search.
func TestNoLeakNeverPassesOnNothing(t *testing.T) {
	run, f := leakyRun(false)
	f.Dir = t.TempDir()
	f.Secrets = func(context.Context) ([]verdict.Secret, error) { return nil, nil }
	got, _, err := Complete(context.Background(), run, f)
	if err != nil {
		t.Fatal(err)
	}
	if r := noLeakOf(got); r.Status != verdict.Failed || !strings.Contains(r.Observed, "names no account secret") {
		t.Errorf("no-leak with nothing to look for: %s %q", r.Status, r.Observed)
	}
}

// TestStaleDiagnosticsAreRemoved: the diagnostics of an earlier run in the
// same folder are not taken for this run's (nor searched as its output).
func TestStaleDiagnosticsAreRemoved(t *testing.T) {
	run, f := leakyRun(false)
	f.Dir = t.TempDir()
	stale := filepath.Join(f.Dir, DiagnosticsDir, "old.log")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte(planted), 0o644)
	got, code, err := Complete(context.Background(), run, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) || code != 0 || noLeakOf(got).Status != verdict.Passed {
		t.Errorf("stale diagnostics: stat %v, exit %d, no-leak %s", err, code, noLeakOf(got).Status)
	}
}
